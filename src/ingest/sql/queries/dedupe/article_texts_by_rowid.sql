-- On a lake, title and body of the articles at the listed row ids ({rowids}: integer literals).
select article_id, title, body_text from articles where rowid in ({rowids})
