-- The new gazetteer version (registered as incoming_gazetteer).
insert into gazetteer by name select * from incoming_gazetteer
