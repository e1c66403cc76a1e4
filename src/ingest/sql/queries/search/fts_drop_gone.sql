-- Index update, step 1: the index entries of articles gone from article_text, or re-inserted (ids registered as
-- inserted_ids), are dropped; the terms they held are noted for recounting (temp tables gone_docs, touched_terms).
create temp table gone_docs as
select docid from fts_main_article_text.docs d
where not exists (select 1 from article_text t where t.article_id = d.name)
   or d.name in (select article_id from inserted_ids);

create temp table touched_terms as
select distinct termid from fts_main_article_text.terms where docid in (select docid from gone_docs);

delete from fts_main_article_text.terms where docid in (select docid from gone_docs);

delete from fts_main_article_text.docs where docid in (select docid from gone_docs);
