-- keep the current rows of the replaced articles (registered as `replaced_ids`) before they are overwritten
insert into superseded_articles (article_id, extractor_version, title, author, published_at, published_time,
                                 date_source, page_verdict, language, site_name, description, canonical_url, tags,
                                 body_text, word_count, ingested_at, reprocess_id, superseded_at, load_id)
select article_id, extractor_version, title, author, published_at, published_time, date_source, page_verdict,
       language, site_name, description, canonical_url, tags, body_text, word_count, ingested_at, $rid, $now, $load_id
from articles
where article_id in (select article_id from replaced_ids)
