-- search_articles('query'): the index's articles by BM25 score, best first. Names are unqualified on purpose: the
-- macro is called with the index file attached, where the search path (not the macro's own catalog) resolves them.
create or replace macro search_articles(query) as table
select article_id, article_date, title, score
from (
    select article_id, article_date, title, fts_main_article_text.match_bm25(article_id, query) as score
    from article_text
)
where score is not null
order by score desc, article_id
