-- Title and body of the articles at the listed row ids ({rowids}: integer literals; {ranges}: the
-- `rowid between` ranges they fall in, which DuckLake prunes its files by, a DuckDB file its row groups).
select article_id, title, body_text from articles where rowid in ({rowids}) and ({ranges})
