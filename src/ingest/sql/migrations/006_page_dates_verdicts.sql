-- Issue 11: when an article was published, to the second and with its zone where the page states them; where that
-- date came from; and what the page check said about a fetched body, now a flag rather than a reason to drop it.

-- `published_at` stays the publication day as the page states it (its own zone), so every reader of it
-- (stg_articles.article_date, the daily views, the Parquet partitions) is unchanged.
alter table articles add column published_time timestamptz;   -- null when the page states a day only, or no zone
alter table articles add column date_source varchar;          -- e.g. jsonld:datePublished, meta:article:published_time
alter table articles add column page_verdict varchar;         -- null | blocked | paywalled | paywall_declared | js_required

alter table superseded_articles add column published_time timestamptz;
alter table superseded_articles add column date_source varchar;
alter table superseded_articles add column page_verdict varchar;

-- A 2xx page body is always stored (outcome ok, document_id set); the verdict says what kind of page it was.
alter table fetches add column page_verdict varchar;
