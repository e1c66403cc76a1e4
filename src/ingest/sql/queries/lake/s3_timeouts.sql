-- An object store that does not answer fails a request after INGEST_S3_TIMEOUT_SECONDS (whole seconds), tried
-- three times in all, instead of DuckDB's 30 s and four. SET takes no parameters: the number is formatted in.
set http_timeout = {seconds};
set http_retries = 2
