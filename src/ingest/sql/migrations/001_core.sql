-- Core tables: raw documents, clean articles, embeds, furniture, rejects, runs and loads.
create table runs (
    run_id varchar primary key,
    flow_run_id varchar,
    flow_name varchar,
    inputs varchar[],
    started_at timestamp not null,
    finished_at timestamp,
    status varchar not null,
    counts json
);

create table loads (
    load_id varchar primary key,
    run_id varchar not null,
    loaded_at timestamp not null,
    documents integer not null,
    articles integer not null,
    embeds integer not null,
    rejects integer not null
);

create table documents (
    document_id varchar primary key,
    source_uri varchar not null,
    media_type varchar not null,
    url varchar,
    declared_title varchar,
    declared_author varchar,
    declared_published varchar,
    charset varchar,
    size_bytes bigint not null,
    raw_zlib blob not null,
    first_seen_at timestamp not null,
    load_id varchar not null
);

create table articles (
    article_id varchar primary key,
    document_id varchar not null,
    url varchar,
    canonical_url varchar,
    source_uri varchar not null,
    title varchar,
    author varchar,
    published_at date,
    language varchar,
    site_name varchar,
    description varchar,
    tags varchar[],
    body_text varchar not null,
    word_count integer not null,
    extractor_version varchar not null,
    ingested_at timestamp not null,
    load_id varchar not null
);

create table article_embeds (
    article_id varchar not null,
    position integer not null,
    platform varchar not null,
    handle varchar,
    posted_on date,
    text varchar not null,
    load_id varchar not null,
    primary key (article_id, position)
);

-- Lines the cleaner took out of a body (promos, bios, embed residue): kept so nothing is silently lost.
create table article_furniture (
    article_id varchar not null,
    position integer not null,
    line varchar not null,
    load_id varchar not null,
    primary key (article_id, position)
);

create table rejects (
    reject_id varchar primary key,
    input varchar not null,
    stage varchar not null,
    reason varchar not null,
    detail varchar,
    run_id varchar not null,
    "at" timestamp not null,
    load_id varchar not null
);
