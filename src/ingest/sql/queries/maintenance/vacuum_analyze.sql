-- Refresh the optimizer's statistics (row counts, distinct values) of every table.
vacuum analyze
