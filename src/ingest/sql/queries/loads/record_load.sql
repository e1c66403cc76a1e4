-- One row per load that changed anything: the batch's counts, keyed by its load_id.
insert into loads values (?, ?, ?, ?, ?, ?, ?)
