-- The story of each newly deduplicated article (registered as dedupe_new_stories).
insert into article_stories by name select * from dedupe_new_stories
