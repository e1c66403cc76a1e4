-- Store the batch's fingerprint rows (registered as dedupe_incoming).
insert into dedupe_fingerprints by name select * from dedupe_incoming
