-- The stored postings of the batch's anchors (probe_anchors) that are not common yet. The probe is filtered on a
-- hash it does not hold (?), for the Bloom filter pushdown described in gather_band_postings.
create or replace temp table dedupe_anchor_postings as
select a.hash, a.article_key from dedupe_anchors a
semi join (select hash from probe_anchors where hash <> ?) p on p.hash = a.hash
where a.hash not in (select hash from dedupe_common_anchors)
