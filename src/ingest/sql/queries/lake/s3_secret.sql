-- The lake's object store credentials for this connection only: TEMPORARY (in memory, never written to DuckDB's
-- secret directory) and scoped to the lake's bucket. CREATE SECRET takes no parameters: ingest.warehouse.object_store
-- fills in each value as a quoted literal.
create or replace temporary secret ingest_lake_s3 (
    type s3,
    key_id {key_id},
    secret {secret},
    endpoint {endpoint},
    region {region},
    url_style {url_style},
    use_ssl {use_ssl},
    scope {scope}
)
