-- the article rows, as loaded, of the ids registered as `wanted`
select * from articles where article_id in (select article_id from wanted)
