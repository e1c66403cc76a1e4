-- The hosts' standing (registered as incoming_trust) replaces what was stored: a MERGE on host, not `insert or
-- replace`, which needs a primary key a DuckLake warehouse cannot have.
merge into host_validator_trust using (
    select distinct on (host) host, trusted, strikes, since_check, reason from incoming_trust
) as standing on host_validator_trust.host = standing.host
when matched then update set trusted = standing.trusted, strikes = standing.strikes,
    since_check = standing.since_check, reason = standing.reason, updated_at = $now::timestamp, load_id = $load_id
when not matched then insert (host, trusted, strikes, since_check, reason, updated_at, load_id)
    values (standing.host, standing.trusted, standing.strikes, standing.since_check, standing.reason,
            $now::timestamp, $load_id)
