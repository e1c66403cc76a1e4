-- Drop the LSH band postings of the forgotten articles.
delete from dedupe_bands where article_key in (select article_key from dedupe_forget)
