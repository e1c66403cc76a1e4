-- Enrichment rejects not recorded yet; returns how many.
insert into rejects by name select * from incoming_rejects i
where not exists (select 1 from rejects r where r.reject_id = i.reject_id)
