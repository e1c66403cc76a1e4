-- The run's figures (registered as incoming_quality).
insert into run_quality by name select * from incoming_quality
