-- the replaced articles' embeds: the new extraction brings its own
delete from article_embeds where article_id in (select article_id from replaced_ids)
