-- Every member of the stories the listed articles ({ids}: quoted literals) belong to.
select article_id from article_stories
where story_id in (select story_id from article_stories where article_id in ({ids}))
