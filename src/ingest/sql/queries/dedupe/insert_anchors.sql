-- Store the batch's anchor postings (dedupe_incoming), except anchors already known to be common.
insert into dedupe_anchors by name select * from dedupe_incoming
where hash not in (select hash from dedupe_common_anchors)
