-- The stored fingerprints sharing a text hash or a canonical URL with one of the batch's (probe_fingerprints), each
-- probe filtered on a value it cannot hold (hex hashes and http(s) URLs are never empty; a NULL URL matches
-- nothing anyway) for the Bloom filter pushdown described in gather_band_postings.
create or replace temp table dedupe_fingerprint_matches as
select o.article_key, o.folded_text_hash, null::varchar as url_canonical from dedupe_fingerprints o
semi join (select folded_text_hash from probe_fingerprints where folded_text_hash <> '') p
    on p.folded_text_hash = o.folded_text_hash
union all
select o.article_key, null, o.url_canonical from dedupe_fingerprints o
semi join (select url_canonical from probe_fingerprints where url_canonical <> '') p
    on p.url_canonical = o.url_canonical
