-- New text versions at their canonical URLs (registered as dedupe_versions).
insert into article_versions by name select * from dedupe_versions
