-- has a migration been applied (the ledger can exist empty: a lake makes it on first use, before migrating)
select 1 from schema_migrations limit 1
