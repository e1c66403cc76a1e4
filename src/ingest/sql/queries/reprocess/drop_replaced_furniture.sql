-- the replaced articles' removed lines: the new extraction brings its own
delete from article_furniture where article_id in (select article_id from replaced_ids)
