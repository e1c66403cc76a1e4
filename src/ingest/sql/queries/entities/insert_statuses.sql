-- The enrichment status of each incoming article.
insert into article_enrichment by name select * from incoming_statuses
