-- Every table and view of the warehouse's main schema, by name.
select table_name, case when table_type = 'VIEW' then 'view' else 'table' end
from information_schema.tables
where table_catalog = current_database() and table_schema = 'main'
order by table_name
