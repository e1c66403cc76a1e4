-- The incoming articles' mentions.
insert into entity_mentions by name select * from incoming_mentions
