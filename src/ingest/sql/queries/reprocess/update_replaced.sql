-- overwrite the replaced articles (registered as `replaced_ids`) in place from the new extraction (`incoming`)
update articles a set
    "url" = i."url", "canonical_url" = i."canonical_url", "title" = i."title", "author" = i."author",
    "published_at" = i."published_at", "published_time" = i."published_time", "date_source" = i."date_source",
    "page_verdict" = i."page_verdict", "language" = i."language", "site_name" = i."site_name",
    "description" = i."description", "tags" = i."tags", "body_text" = i."body_text",
    "word_count" = i."word_count", "extractor_version" = i."extractor_version", "load_id" = i."load_id"
from incoming i
where a.article_id = i.article_id and a.article_id in (select article_id from replaced_ids)
