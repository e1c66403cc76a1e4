-- Drop the salience of the articles whose mentions moved (moved), rebuilt next.
delete from article_entities where article_id in (select article_id from moved)
