-- Drop the candidate search's scratch tables.
drop table if exists dedupe_band_postings;
drop table if exists dedupe_fingerprint_matches;
drop table if exists dedupe_anchor_postings
