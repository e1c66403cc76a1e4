-- Drop the warehouse copy of the gazetteer before loading a new version.
delete from gazetteer
