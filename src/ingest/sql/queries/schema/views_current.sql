-- A row when the views were last created from files with this checksum.
select 1 from schema_views where checksum = ?
