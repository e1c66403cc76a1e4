-- Entities: who and what each article names, resolved to one row per real entity (see src/ingest/resolve.py).

-- One row per (canonical name, type). entity_id is a hash of the two, so it is the same in every run.
-- first_seen / last_seen: the earliest and latest article date (published, else ingested) that mentions it.
create table entities (
    entity_id varchar primary key,
    name varchar not null,
    type varchar not null,          -- PERSON, ORGANIZATION, LOCATION, GROUP, EVENT, PRODUCT, WORK, LAW
    wikidata_id varchar,            -- from the gazetteer when the name is a reference entity
    first_seen date,
    last_seen date,
    created_at timestamp not null,
    load_id varchar not null
);

-- Every surface form an entity was found under ("Putin", "Vladimir Putin", "UN", "United Nations").
create table entity_aliases (
    entity_id varchar not null,
    alias varchar not null,
    first_seen_at timestamp not null,
    load_id varchar not null,
    primary key (entity_id, alias)
);

-- One row per mention. field = 'body': start_char/end_char index articles.body_text; field = 'title': articles.title.
-- label is the model's raw label (GPE, ORG, NORP ...); source says who found the span: the model, the gazetteer
-- (a name the model missed or cut short), propagation (a name the model found elsewhere in the same article) or
-- nesting (a known place or person inside a longer name: "Texas" in "University of Texas").
create table entity_mentions (
    article_id varchar not null,
    field varchar not null,
    start_char integer not null,
    end_char integer not null,
    entity_id varchar not null,
    surface varchar not null,
    label varchar,
    source varchar not null,
    sentence_index integer,         -- 0-based sentence of body_text; null for title mentions
    model_version varchar not null,
    load_id varchar not null,
    primary key (article_id, field, start_char, end_char)
);

-- How prominent an entity is in one article.
create table article_entities (
    article_id varchar not null,
    entity_id varchar not null,
    mentions integer not null,
    first_char integer,             -- first body mention; null when only the title names it
    first_sentence integer,
    in_title boolean not null,
    in_lead boolean not null,       -- named in the first paragraph of at least 20 words
    load_id varchar not null,
    primary key (article_id, entity_id)
);

-- The last enrichment of each article: what produced it, or why it has no entities.
create table article_enrichment (
    article_id varchar primary key,
    status varchar not null,        -- enriched | skipped | failed
    reason varchar,                 -- language_not_supported, language_unknown, ner_failed
    mentions integer not null,
    entities integer not null,
    model_version varchar not null,
    resolver_version varchar not null,
    gazetteer_version varchar not null,
    text_hash varchar not null,     -- md5(coalesce(title, '') || chr(0) || body_text) when enriched: stale if it differs
    run_id varchar not null,
    enriched_at timestamp not null,
    load_id varchar not null
);

-- The reference gazetteer (seeds/gazetteer.csv) as loaded; replaced whole when the file changes.
create table gazetteer (
    entity_id varchar not null,
    name varchar not null,
    type varchar not null,
    wikidata_id varchar,
    aliases varchar[] not null,
    iso_alpha2 varchar,
    iso_alpha3 varchar,
    rescue boolean not null,
    gazetteer_version varchar not null,
    load_id varchar not null,
    primary key (type, name)
);
