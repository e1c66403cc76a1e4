-- Articles matching $text, best BM25 score first, with their date, title, site and location; only those dated on or
-- after $since, and only those mentioning one of $entity_ids, when these are not null.
select round(h.score, 4) as score, s.article_date as date, s.title, s.site_name,
       coalesce(s.url, s.source_uri) as location, h.article_id
from search_articles($text) h
join stg_articles s on s.article_id = h.article_id
where ($since is null or s.article_date >= $since)
  and ($entity_ids::varchar[] is null or h.article_id in (
      select article_id from article_entities where entity_id in (select unnest($entity_ids::varchar[]))))
order by h.score desc, h.article_id
limit $limit
