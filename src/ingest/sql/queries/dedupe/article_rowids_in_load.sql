-- The listed articles ({ids}: quoted literals) found among one load's rows (?), with their row ids.
select article_id, rowid from articles where load_id = ? and article_id in ({ids})
