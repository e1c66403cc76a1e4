-- The columns of one table or view (by name) in their declared order.
select column_name, data_type, is_nullable = 'YES' from information_schema.columns
where table_catalog = current_database() and table_schema = 'main' and table_name = ?
order by ordinal_position
