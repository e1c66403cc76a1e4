-- What the index file holds: its layout version ($format), when it was built, its articles and latest load.
create or replace table index_info (
    format integer not null,
    built_at timestamp not null,
    articles bigint not null,
    latest_load_id varchar
);

insert into index_info select $format, now()::timestamp, count(*), max(load_id) from article_text;
