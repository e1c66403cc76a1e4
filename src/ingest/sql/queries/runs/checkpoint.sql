-- Write the run's changes from the write-ahead log into the warehouse file, so readers start fast.
checkpoint
