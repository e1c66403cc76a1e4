-- Delete files under the data path that no snapshot knows and older than $older_than: what a writer killed before
-- its commit left behind.
call ducklake_delete_orphaned_files($lake, older_than => $older_than::timestamptz)
