-- The gazetteer versions the warehouse copy holds (one, when it is whole).
select distinct gazetteer_version from gazetteer
