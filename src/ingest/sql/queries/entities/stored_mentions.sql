-- Every stored mention with the text its offsets index and its entity's type (scored against gold).
select a.article_id, a.source_uri, a.title, a.body_text, m.field, m.start_char, m.end_char, m.entity_id, e.type
from entity_mentions m join articles a using (article_id) join entities e using (entity_id)
order by a.article_id, m.field, m.start_char, m.end_char
