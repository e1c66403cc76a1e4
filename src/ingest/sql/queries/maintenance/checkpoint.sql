-- Fold the write-ahead log into the database file.
checkpoint
