-- The stored postings of the batch's anchors (probe_anchors) that are not common yet.
create or replace temp table dedupe_anchor_postings as
select a.hash, a.article_key from dedupe_anchors a semi join probe_anchors p on p.hash = a.hash
where a.hash not in (select hash from dedupe_common_anchors)
