-- The body text of each article whose mentions moved (moved).
select article_id, body_text from articles where article_id in (select article_id from moved)
