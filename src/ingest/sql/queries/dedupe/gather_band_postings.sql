-- The stored band postings of the batch's band hashes (probe_bands). The probe is filtered on a hash it does not
-- hold (?): a join whose build side is filtered gets a Bloom filter of the build keys pushed into the scan of its
-- probe side (DuckDB 1.5, DuckDB files and DuckLake alike), so the scan of dedupe_bands hands the join about 0.5%
-- of its rows instead of all of them. The semi join has that one equality condition only, as the pushdown needs.
create or replace temp table dedupe_band_postings as
select b.hash, b.article_key from dedupe_bands b
semi join (select hash from probe_bands where hash <> ?) p on p.hash = b.hash
