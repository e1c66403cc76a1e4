-- Checkpoint even if another transaction is running (it is aborted): the file then holds everything, compacted.
force checkpoint
