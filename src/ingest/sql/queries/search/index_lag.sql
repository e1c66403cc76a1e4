-- The warehouse's article count and latest load beside the attached index's: two aggregates, not a join.
select (select count(*) from articles), (select max(load_id) from articles), articles, latest_load_id
from search.index_info
