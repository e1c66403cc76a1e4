-- Operations: data-quality figures per run, and the article rows a reprocess replaced.

-- One row per figure per run. `series` groups runs that should look alike (one inbox, one source),
-- so a run is compared with earlier runs of the same series only.
create table run_quality (
    run_id varchar not null,
    series varchar not null,
    metric varchar not null,
    value double,
    computed_at timestamp not null,
    load_id varchar not null,
    primary key (run_id, metric)
);

-- What an article looked like before `ingest reprocess` replaced it: `articles` always holds the current
-- extraction (same article_id, so every table keyed by article_id stays valid), this table the earlier ones.
create table superseded_articles (
    article_id varchar not null,
    reprocess_id varchar not null,
    extractor_version varchar not null,
    title varchar,
    author varchar,
    published_at date,
    language varchar,
    site_name varchar,
    description varchar,
    canonical_url varchar,
    tags varchar[],
    body_text varchar not null,
    word_count integer not null,
    ingested_at timestamp not null,
    superseded_at timestamp not null,
    load_id varchar not null,
    primary key (article_id, reprocess_id)
);
