-- The incoming articles' entity salience.
insert into article_entities by name select * from incoming_article_entities
