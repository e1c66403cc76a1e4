-- `text_hash` named two different hashes: in dedupe_fingerprints and article_versions the dedupe stage's hash of
-- the folded body (case, accents, punctuation and Unicode forms folded: exact copies share it), in
-- article_enrichment an md5 of the title and body exactly as enriched (staleness). The dedupe one becomes
-- `folded_text_hash`; article_enrichment keeps `text_hash`.
alter table dedupe_fingerprints rename column text_hash to folded_text_hash;
alter table article_versions rename column text_hash to folded_text_hash;
