-- Every current article version in the warehouse, as (article_id, load_id).
select article_id, load_id from articles
