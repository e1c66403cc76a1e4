-- does this warehouse have a schema yet (a migrations table): a new, empty file has none
select 1 from duckdb_tables() where database_name = current_database() and schema_name = 'main'
  and table_name = 'schema_migrations'
