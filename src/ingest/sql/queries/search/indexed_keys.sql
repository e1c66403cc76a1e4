-- The versions (article_id, load_id) the search index file holds.
select article_id, load_id from article_text
