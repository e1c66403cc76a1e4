-- Expire the snapshots older than $older_than (never the latest): time travel no longer reaches them, and the data
-- files only they referenced are scheduled for deletion.
call ducklake_expire_snapshots($lake, older_than => $older_than::timestamptz)
