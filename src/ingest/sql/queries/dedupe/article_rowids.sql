-- Where the listed articles ({ids}: quoted literals) are: their row ids, read from the id column alone.
select rowid from articles where article_id in ({ids})
