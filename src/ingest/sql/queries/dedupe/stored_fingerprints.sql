-- The stored text hash and canonical URL of the listed articles ({ids}: quoted literals).
select article_id, folded_text_hash, url_canonical from dedupe_fingerprints where article_id in ({ids})
