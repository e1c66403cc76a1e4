-- First and last seen dates of the touched entities (touched_entities), from the mentions that remain.
update entities set first_seen = s.first_seen, last_seen = s.last_seen from (
    select t.entity_id,
           min(coalesce(a.published_at, cast(a.ingested_at as date))) as first_seen,
           max(coalesce(a.published_at, cast(a.ingested_at as date))) as last_seen
    from touched_entities t
    left join article_entities ae on ae.entity_id = t.entity_id
    left join articles a on a.article_id = ae.article_id
    group by t.entity_id
) s
where entities.entity_id = s.entity_id
