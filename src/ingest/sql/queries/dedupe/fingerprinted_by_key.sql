-- The fingerprinted articles among those with the listed article keys ({keys}: integer literals).
select article_id from dedupe_fingerprints where article_key in ({keys})
