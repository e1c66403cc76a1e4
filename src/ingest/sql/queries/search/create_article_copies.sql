-- A fresh index file's table of article copies: what the fts index and the search_articles macro read.
create table article_text (
    article_id varchar primary key,
    load_id varchar not null,
    title varchar,
    body varchar not null,
    article_date date
)
