-- The changed article versions (registered as changed_rows) copied into the index file.
insert into article_text select article_id, load_id, title, body, article_date from changed_rows
