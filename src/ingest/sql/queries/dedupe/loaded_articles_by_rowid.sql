-- On a lake, what fingerprinting needs of the articles at the listed row ids ({rowids}: integer literals).
select article_id, url, canonical_url, title, body_text, ingested_at from articles where rowid in ({rowids})
