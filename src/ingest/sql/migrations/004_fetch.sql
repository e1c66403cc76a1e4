-- Fetching from the web: sources, the URL frontier, one row per fetch, stored validators, per-host trust.

-- seeds/sources.csv as loaded (re-synced on every fetch run; a source removed from the CSV is disabled, not deleted).
create table sources (
    source_id varchar primary key,
    kind varchar not null,            -- rss | atom | sitemap | news_sitemap | page
    url varchar not null,
    schedule varchar,                 -- cron expression, used by the scheduled deployment
    enabled boolean not null,
    rate_per_second double,           -- this source's own limit; null = the default per-host rate
    synced_at timestamp not null,
    load_id varchar not null
);

-- Every URL ever discovered, keyed by its canonical form: fetched once unless a refetch is asked for.
create table frontier (
    canonical_url varchar primary key,
    url varchar not null,             -- as discovered (the one fetched)
    source_id varchar,
    discovered_via varchar,           -- the feed or sitemap that listed it
    title varchar,
    published_at timestamp,
    state varchar not null,           -- queued | fetched | retry | failed
    not_before timestamp,             -- a retry waits until then
    attempts integer not null,        -- fetches made for this URL
    last_outcome varchar,
    last_fetch_at timestamp,
    document_id varchar,
    discovered_at timestamp not null,
    load_id varchar not null
);

-- One row per fetch (page, feed, sitemap or robots.txt), whatever happened.
create table fetches (
    fetch_id varchar primary key,
    run_id varchar,
    source_id varchar,
    purpose varchar not null,         -- page | feed | sitemap | robots
    url varchar not null,
    final_url varchar,
    status integer,
    outcome varchar not null,
    detail varchar,
    bytes bigint not null,
    elapsed_seconds double not null,
    attempts integer not null,
    conditional boolean not null,     -- were validators sent
    etag varchar,
    last_modified varchar,
    body_sha256 varchar,
    content_type varchar,
    document_id varchar,              -- when the body was stored in documents
    fetched_at timestamp not null,
    load_id varchar not null
);

-- The validators and body hash of the last successful fetch of each URL, for conditional requests.
create table fetch_validators (
    url varchar primary key,
    etag varchar,
    last_modified varchar,
    body_sha256 varchar,
    document_id varchar,
    updated_at timestamp not null,
    load_id varchar not null
);

-- Hosts whose ETag/Last-Modified do not describe their content are not sent conditional requests.
create table host_validator_trust (
    host varchar primary key,
    trusted boolean not null,
    strikes integer not null,
    since_check integer not null,
    reason varchar,
    updated_at timestamp not null,
    load_id varchar not null
);
