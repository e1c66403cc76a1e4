-- One listing of the lake's prefix that matches nothing: it fails at once when the endpoint is unreachable, the
-- bucket is missing or the keys are refused, and costs one request otherwise.
select count(*) from glob($pattern)
