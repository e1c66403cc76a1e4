-- The stories the listed articles ({ids}: quoted literals) belong to.
select story_id from article_stories where article_id in ({ids})
