-- Index update, step 2: the inserted articles are tokenised with the index's own tokenize macro, stop words and
-- porter stemmer (as the PRAGMA build does), new terms join the dictionary, and their postings and documents are added.
create temp table new_docs as
select (select coalesce(max(docid), -1) from fts_main_article_text.docs) + row_number() over (order by article_id)
           as docid,
       article_id, title, body
from article_text
where article_id in (select article_id from inserted_ids);

create temp table new_terms as
with tokens as (
    select docid, (select fieldid from fts_main_article_text.fields where field = 'title') as fieldid,
           unnest(fts_main_article_text.tokenize(title)) as w
    from new_docs
    union all
    select docid, (select fieldid from fts_main_article_text.fields where field = 'body'),
           unnest(fts_main_article_text.tokenize(body))
    from new_docs
)
select docid, fieldid, stem(w, 'porter') as term
from tokens
where w not in (select sw from fts_main_article_text.stopwords) and w != '';

insert into fts_main_article_text.dict (termid, term, df)
select (select coalesce(max(termid), -1) from fts_main_article_text.dict) + row_number() over (order by term), term, 0
from (select distinct term from new_terms) n
where not exists (select 1 from fts_main_article_text.dict d where d.term = n.term);

insert into fts_main_article_text.terms (docid, fieldid, termid)
select n.docid, n.fieldid, d.termid
from new_terms n join fts_main_article_text.dict d on d.term = n.term;

insert into fts_main_article_text.docs (docid, name, len)
select n.docid, n.article_id, (select count(*) from new_terms t where t.docid = n.docid)
from new_docs n;

insert into touched_terms
select distinct d.termid
from (select distinct term from new_terms) n join fts_main_article_text.dict d on d.term = n.term;
