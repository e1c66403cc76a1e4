-- Drop the mentions of the articles being re-enriched or forgotten (registered as forget_articles).
delete from entity_mentions where article_id in (select article_id from forget_articles)
