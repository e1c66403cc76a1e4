-- Each host's standing: are its validators (ETag, Last-Modified) to be believed.
select host, trusted, strikes, since_check, reason from host_validator_trust
