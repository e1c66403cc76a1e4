-- Which of the probed ids (probe_ids) the table already holds; {table} and {column} name where to look.
select {column} from {table} where {column} in (select id from probe_ids)
