-- The duplicate links that joined two clusters (registered as dedupe_links).
insert into article_duplicates by name select * from dedupe_links
