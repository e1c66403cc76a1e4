-- Entities the incoming articles named before this load and name now: their seen dates may change.
select entity_id from article_entities where article_id in (select article_id from incoming_statuses)
union
select entity_id from incoming_entities
