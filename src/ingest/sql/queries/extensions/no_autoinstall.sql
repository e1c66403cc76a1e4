-- Never let DuckDB fetch a known extension from its own server when a statement needs one: extensions are loaded
-- from their registry packages only.
set autoinstall_known_extensions = false
