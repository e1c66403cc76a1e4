-- Drop the anchor postings of the forgotten articles.
delete from dedupe_anchors where article_key in (select article_key from dedupe_forget)
