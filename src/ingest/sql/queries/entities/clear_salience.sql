-- Drop the entity salience of the articles being re-enriched or forgotten (forget_articles).
delete from article_entities where article_id in (select article_id from forget_articles)
