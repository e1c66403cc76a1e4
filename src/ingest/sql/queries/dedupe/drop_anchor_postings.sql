-- Drop the candidate search's scratch table.
drop table if exists dedupe_anchor_postings
