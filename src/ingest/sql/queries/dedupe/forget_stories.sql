-- Drop the story rows of the forgotten articles.
delete from article_stories where article_id in (select article_id from dedupe_forget)
