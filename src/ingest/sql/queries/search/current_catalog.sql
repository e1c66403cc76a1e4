-- The connection's own catalog and schema, to keep them first on the search path when an index is attached.
select current_database(), current_schema()
