-- What enrichment needs of the wanted articles (wanted_articles), in article_id order.
select a.article_id, a.source_uri, a.title, a.body_text, a.language from articles a
semi join wanted_articles w using (article_id)
order by a.article_id
