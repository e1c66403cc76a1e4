-- Which process runs each run, so a run whose process died is seen as crashed rather than running forever.
-- process_started: the process's start time (seconds since boot, from /proc), so a recycled pid is not taken
-- for the run's own process.
alter table runs add column pid integer;
alter table runs add column host varchar;
alter table runs add column process_started double;
