-- Drop every duplicate link from or to a forgotten article; returns how many.
delete from article_duplicates
where article_id in (select article_id from dedupe_forget) or duplicate_of in (select article_id from dedupe_forget)
