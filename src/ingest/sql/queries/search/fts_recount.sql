-- Index update, step 3: df of every term an added or dropped article held; terms no article holds any more leave the
-- dictionary; the collection statistics from the documents; the step tables are dropped.
create temp table term_counts as
select termid, count(distinct docid) as df
from fts_main_article_text.terms
where termid in (select termid from touched_terms)
group by termid;

delete from fts_main_article_text.dict
where termid in (select termid from touched_terms) and termid not in (select termid from term_counts);

update fts_main_article_text.dict set df = c.df
from term_counts c
where fts_main_article_text.dict.termid = c.termid;

delete from fts_main_article_text.stats;

insert into fts_main_article_text.stats
select count(docid), sum(len) / count(len) from fts_main_article_text.docs;

drop table gone_docs;
drop table touched_terms;
drop table new_docs;
drop table new_terms;
drop table term_counts;
