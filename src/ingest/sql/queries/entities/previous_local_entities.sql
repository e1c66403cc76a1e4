-- The local entities the incoming articles (incoming_statuses) were linked to before this load.
select distinct local_entity_id as entity_id from entity_mentions
where article_id in (select article_id from incoming_statuses)
