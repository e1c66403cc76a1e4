-- Drop the fingerprints of the forgotten articles (they are then pending dedupe again).
delete from dedupe_fingerprints where article_id in (select article_id from dedupe_forget)
