-- the next page of stored documents to re-extract (keyset on document_id, source_uri): each article, and each
-- document that has none; only those first seen on/after $since, and (unless $force) extracted by another version
with targets as (
    select a.document_id, a.source_uri, a.article_id from articles a
    union all
    select d.document_id, d.source_uri, null from documents d
    where not exists (select 1 from articles a where a.document_id = d.document_id)
)
select t.document_id, t.source_uri, d.media_type, d.url, d.declared_title, d.declared_author,
       d.declared_published, d.charset, d.raw_zlib, t.article_id
from targets t
join documents d using (document_id)
left join articles a on a.article_id = t.article_id
where (t.document_id > $doc or (t.document_id = $doc and t.source_uri > $uri))
  and ($since is null or d.first_seen_at >= $since)
  and ($force or a.extractor_version is distinct from $version)
order by t.document_id, t.source_uri
limit $limit
