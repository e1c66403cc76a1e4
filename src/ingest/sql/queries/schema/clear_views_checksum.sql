-- Forget the checksum of the views' previous files.
delete from schema_views
