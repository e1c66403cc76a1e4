-- Fold each story of dedupe_merges into the story it joined.
update article_stories set story_id = m.new_story from dedupe_merges m
where article_stories.story_id = m.old_story
