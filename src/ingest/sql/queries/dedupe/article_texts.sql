-- Title and body of the listed articles ({ids}: quoted literals), to fingerprint a candidate again.
select article_id, title, body_text from articles where article_id in ({ids})
