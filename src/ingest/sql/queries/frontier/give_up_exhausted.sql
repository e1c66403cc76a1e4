-- Retries that used up their attempts become failures (a refetch request still brings them back).
update frontier set state = 'failed', not_before = null
where state = 'retry' and attempts >= $max_attempts
