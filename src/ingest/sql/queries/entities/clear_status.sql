-- Drop the enrichment status of the articles being re-enriched or forgotten (forget_articles).
delete from article_enrichment where article_id in (select article_id from forget_articles)
