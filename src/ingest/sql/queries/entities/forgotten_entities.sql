-- The entities the forgotten articles (forget_articles) named: their seen dates may change.
select distinct entity_id from article_entities semi join forget_articles using (article_id)
