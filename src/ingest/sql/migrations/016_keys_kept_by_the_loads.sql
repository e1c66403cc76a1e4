-- duckdb file only: a lake's tables never had these keys (DuckLake refuses them), so a lake records this migration
-- without running it.
-- The tables that grow with the corpus lose their PRIMARY KEY, which DuckDB keeps as an ART index: every batch
-- paid for it twice, inserting into the index (the 1,000 articles of a batch took 0.74 s at a million stored
-- articles, 0.07 s at a thousand) and re-writing each index whole at every checkpoint, which a batch's close runs
-- (7.3 s per batch at a million articles against 0.23 s at a thousand; the indexes were also most of the file).
-- Their keys are the load logic's job on both backends, as they already were on a lake: every load inserts only
-- rows whose keys are absent (an anti-join) under the writer lock. Key columns stay NOT NULL; CHECKs stay. The small
-- tables (runs, loads, sources, run_quality, host_validator_trust, gazetteer) keep their keys.
-- Each table is rebuilt (DuckDB cannot drop a key in place), its columns in the order the earlier migrations left.

-- documents: key (document_id)
create table documents__keyless (
    document_id varchar not null,
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
insert into documents__keyless select * from documents;
drop table documents;
alter table documents__keyless rename to documents;

-- articles: key (article_id)
create table articles__keyless (
    article_id varchar not null,
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
    load_id varchar not null,
    published_time timestamp with time zone,
    date_source varchar,
    page_verdict varchar
);
insert into articles__keyless select * from articles;
drop table articles;
alter table articles__keyless rename to articles;

-- article_embeds: key (article_id, position)
create table article_embeds__keyless (
    article_id varchar not null,
    "position" integer not null,
    platform varchar not null,
    handle varchar,
    posted_on date,
    text varchar not null,
    load_id varchar not null
);
insert into article_embeds__keyless select * from article_embeds;
drop table article_embeds;
alter table article_embeds__keyless rename to article_embeds;

-- article_furniture: key (article_id, position)
create table article_furniture__keyless (
    article_id varchar not null,
    "position" integer not null,
    line varchar not null,
    load_id varchar not null
);
insert into article_furniture__keyless select * from article_furniture;
drop table article_furniture;
alter table article_furniture__keyless rename to article_furniture;

-- rejects: key (reject_id)
create table rejects__keyless (
    reject_id varchar not null,
    input varchar not null,
    stage varchar not null,
    reason varchar not null,
    detail varchar,
    run_id varchar not null,
    rejected_at timestamp not null,
    load_id varchar not null
);
insert into rejects__keyless select * from rejects;
drop table rejects;
alter table rejects__keyless rename to rejects;

-- entities: key (entity_id)
create table entities__keyless (
    entity_id varchar not null,
    "name" varchar not null,
    "type" varchar not null,
    wikidata_id varchar,
    first_seen date,
    last_seen date,
    created_at timestamp not null,
    load_id varchar not null,
    geonames_id varchar
);
insert into entities__keyless select * from entities;
drop table entities;
alter table entities__keyless rename to entities;

-- entity_aliases: key (entity_id, alias)
create table entity_aliases__keyless (
    entity_id varchar not null,
    alias varchar not null,
    first_seen_at timestamp not null,
    load_id varchar not null
);
insert into entity_aliases__keyless select * from entity_aliases;
drop table entity_aliases;
alter table entity_aliases__keyless rename to entity_aliases;

-- entity_mentions: key (article_id, field, start_char, end_char)
create table entity_mentions__keyless (
    article_id varchar not null,
    field varchar not null,
    start_char integer not null,
    end_char integer not null,
    entity_id varchar not null,
    surface varchar not null,
    label varchar,
    source varchar not null,
    sentence_index integer,
    model_version varchar not null,
    load_id varchar not null,
    local_entity_id varchar
);
insert into entity_mentions__keyless select * from entity_mentions;
drop table entity_mentions;
alter table entity_mentions__keyless rename to entity_mentions;

-- article_entities: key (article_id, entity_id)
create table article_entities__keyless (
    article_id varchar not null,
    entity_id varchar not null,
    mentions integer not null,
    first_char integer,
    first_sentence integer,
    in_title boolean not null,
    in_lead boolean not null,
    load_id varchar not null
);
insert into article_entities__keyless select * from article_entities;
drop table article_entities;
alter table article_entities__keyless rename to article_entities;

-- article_enrichment: key (article_id)
create table article_enrichment__keyless (
    article_id varchar not null,
    status varchar not null,
    reason varchar,
    mentions integer not null,
    entities integer not null,
    model_version varchar not null,
    resolver_version varchar not null,
    gazetteer_version varchar not null,
    text_hash varchar not null,
    run_id varchar not null,
    enriched_at timestamp not null,
    load_id varchar not null
);
insert into article_enrichment__keyless select * from article_enrichment;
drop table article_enrichment;
alter table article_enrichment__keyless rename to article_enrichment;

-- entity_local_names: key (local_entity_id)
create table entity_local_names__keyless (
    local_entity_id varchar not null,
    "name" varchar not null,
    name_key varchar not null,
    "type" varchar not null,
    wikidata_id varchar,
    load_id varchar not null
);
insert into entity_local_names__keyless select * from entity_local_names;
drop table entity_local_names;
alter table entity_local_names__keyless rename to entity_local_names;

-- dedupe_fingerprints: key (article_id)
create table dedupe_fingerprints__keyless (
    article_id varchar not null,
    article_key bigint not null,
    url_as_given varchar,
    url_canonical varchar,
    folded_text_hash varchar not null,
    shingles integer not null,
    anchors integer not null,
    load_id varchar not null,
    fingerprinted_at timestamp not null
);
insert into dedupe_fingerprints__keyless select * from dedupe_fingerprints;
drop table dedupe_fingerprints;
alter table dedupe_fingerprints__keyless rename to dedupe_fingerprints;

-- article_duplicates: key (article_id, duplicate_of)
create table article_duplicates__keyless (
    article_id varchar not null,
    duplicate_of varchar not null,
    method varchar not null,
    similarity double not null,
    containment double not null,
    load_id varchar not null,
    check(("method" in ('exact', 'near', 'url')))
);
insert into article_duplicates__keyless select * from article_duplicates;
drop table article_duplicates;
alter table article_duplicates__keyless rename to article_duplicates;

-- article_stories: key (article_id)
create table article_stories__keyless (
    article_id varchar not null,
    story_id varchar not null,
    load_id varchar not null
);
insert into article_stories__keyless select * from article_stories;
drop table article_stories;
alter table article_stories__keyless rename to article_stories;

-- article_versions: key (url_canonical, version)
create table article_versions__keyless (
    url_canonical varchar not null,
    "version" integer not null,
    article_id varchar not null,
    folded_text_hash varchar not null,
    load_id varchar not null
);
insert into article_versions__keyless select * from article_versions;
drop table article_versions;
alter table article_versions__keyless rename to article_versions;

-- frontier: key (canonical_url)
create table frontier__keyless (
    canonical_url varchar not null,
    url varchar not null,
    source_id varchar,
    discovered_via varchar,
    title varchar,
    published_at timestamp,
    state varchar not null,
    not_before timestamp,
    attempts integer not null,
    last_outcome varchar,
    last_fetch_at timestamp,
    document_id varchar,
    discovered_at timestamp not null,
    load_id varchar not null
);
insert into frontier__keyless select * from frontier;
drop table frontier;
alter table frontier__keyless rename to frontier;

-- fetches: key (fetch_id)
create table fetches__keyless (
    fetch_id varchar not null,
    run_id varchar,
    source_id varchar,
    purpose varchar not null,
    url varchar not null,
    final_url varchar,
    status integer,
    outcome varchar not null,
    detail varchar,
    bytes bigint not null,
    elapsed_seconds double not null,
    attempts integer not null,
    conditional boolean not null,
    etag varchar,
    last_modified varchar,
    body_sha256 varchar,
    content_type varchar,
    document_id varchar,
    fetched_at timestamp not null,
    load_id varchar not null,
    page_verdict varchar
);
insert into fetches__keyless select * from fetches;
drop table fetches;
alter table fetches__keyless rename to fetches;

-- fetch_validators: key (url)
create table fetch_validators__keyless (
    url varchar not null,
    etag varchar,
    last_modified varchar,
    body_sha256 varchar,
    document_id varchar,
    updated_at timestamp not null,
    load_id varchar not null
);
insert into fetch_validators__keyless select * from fetch_validators;
drop table fetch_validators;
alter table fetch_validators__keyless rename to fetch_validators;

-- superseded_articles: key (article_id, reprocess_id)
create table superseded_articles__keyless (
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
    published_time timestamp with time zone,
    date_source varchar,
    page_verdict varchar
);
insert into superseded_articles__keyless select * from superseded_articles;
drop table superseded_articles;
alter table superseded_articles__keyless rename to superseded_articles;

-- input_warnings: key (warning_id)
create table input_warnings__keyless (
    warning_id varchar not null,
    input varchar not null,
    stage varchar not null,
    field varchar not null,
    value varchar,
    detail varchar,
    run_id varchar not null,
    warned_at timestamp not null,
    load_id varchar not null
);
insert into input_warnings__keyless select * from input_warnings;
drop table input_warnings;
alter table input_warnings__keyless rename to input_warnings;

