-- Store the batch's LSH band postings (registered as dedupe_incoming).
insert into dedupe_bands by name select * from dedupe_incoming
