-- The mentions of the articles whose mentions moved (moved), as they now are.
select article_id, entity_id, field, start_char, sentence_index from entity_mentions
where article_id in (select article_id from moved)
order by article_id, entity_id, field, start_char
