-- Drop the renumbering's scratch table.
drop table if exists dedupe_wanted_versions
