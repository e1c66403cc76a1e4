-- What kind of database a connection writes to by default ('ducklake' for a lake, 'duckdb' for a file).
select type from duckdb_databases() where database_name = current_database()
