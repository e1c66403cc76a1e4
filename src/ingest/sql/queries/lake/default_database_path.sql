-- The catalog a connection's default database is a DuckLake on (`postgres:dbname=...`), or no row for a DuckDB file.
select path from duckdb_databases() where database_name = current_database() and type = 'ducklake'
