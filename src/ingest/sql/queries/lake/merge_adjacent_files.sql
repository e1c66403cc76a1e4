-- Merge each table's small Parquet files (one per insert) into larger ones; snapshots keep pointing at their rows.
call ducklake_merge_adjacent_files($lake)
