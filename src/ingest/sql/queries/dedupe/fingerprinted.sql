-- Which of the listed articles ({ids}: quoted literals) are fingerprinted already.
select article_id from dedupe_fingerprints where article_id in ({ids})
