-- Delete the data files scheduled for deletion before $older_than (by merges and expired snapshots).
call ducklake_cleanup_old_files($lake, older_than => $older_than::timestamptz)
