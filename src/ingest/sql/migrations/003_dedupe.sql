-- Deduplication: fingerprints, LSH band and anchor postings, duplicate links, stories and versions.
-- Nothing here rewrites `articles`: every copy stays there and is linked from these tables.

-- One row per deduplicated article: its canonical URL (ingest.urls rules) and normalised-text hash.
-- article_key: a 64-bit hash of article_id, so the large posting tables below join on one narrow integer.
create table dedupe_fingerprints (
    article_id varchar primary key,
    article_key bigint not null,
    url_as_given varchar,
    url_canonical varchar,
    text_hash varchar not null,
    shingles integer not null,
    anchors integer not null,
    load_id varchar not null,
    fingerprinted_at timestamp not null
);

-- MinHash LSH: one row per (band, band hash) of each article. Two articles sharing a row are near-duplicate
-- candidates; a new batch is matched with one join, never by reading this table into memory. The band
-- number is seeded into the hash, so the join needs the hash alone.
create table dedupe_bands (
    band smallint not null,
    hash bigint not null,
    article_key bigint not null
);

-- Anchor shingles (a fixed 1/16 hash slice of each article's shingles): candidates for containment.
create table dedupe_anchors (
    hash bigint not null,
    article_key bigint not null
);

-- Anchors found in too many articles to be evidence of copying (stock phrases); no longer stored as postings.
create table dedupe_common_anchors (
    hash bigint not null
);

-- Confirmed links: `article_id` is a copy of `duplicate_of` (loaded before it, or in the same batch with a
-- smaller id). method: exact (same normalised text), url (same canonical URL, changed text), near (similar text).
-- Only links that joined two clusters are kept, so each story's links form a tree over its copies.
create table article_duplicates (
    article_id varchar not null,
    duplicate_of varchar not null,
    method varchar not null check (method in ('exact', 'near', 'url')),
    similarity double not null,
    containment double not null,
    load_id varchar not null,
    primary key (article_id, duplicate_of)
);

-- The story (cluster of copies) of each deduplicated article. story_id is the smallest article_id of the
-- cluster, so the same inputs give the same ids in any order; a merge rewrites only the merged clusters' rows.
create table article_stories (
    article_id varchar primary key,
    story_id varchar not null,
    load_id varchar not null
);

-- Each distinct text seen at one canonical URL is a version of that article, numbered in load order.
create table article_versions (
    url_canonical varchar not null,
    version integer not null,
    article_id varchar not null,
    text_hash varchar not null,
    load_id varchar not null,
    primary key (url_canonical, version)
);
