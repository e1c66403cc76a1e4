-- Anchors posted by more articles than the bound given are stock phrases: list them as common.
insert into dedupe_common_anchors
select hash from dedupe_anchor_postings group by hash having count(*) > ?
