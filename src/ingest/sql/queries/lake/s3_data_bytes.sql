-- The bytes stored under the lake's prefix (only the listing's sizes are read, never the objects' content).
select coalesce(sum(size), 0) from read_blob($pattern)
