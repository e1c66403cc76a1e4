-- The name of every table and view the connection can see.
select table_name from information_schema.tables
