-- The hosts' standing (registered as incoming_trust) replaces what was stored.
insert or replace into host_validator_trust
select host, trusted, strikes, since_check, reason, $now::timestamp, $load_id from incoming_trust
