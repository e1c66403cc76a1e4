-- Highest version and every text hash stored at each canonical URL of dedupe_urls.
select v.url_canonical, max(v.version), list(v.folded_text_hash) from article_versions v
semi join dedupe_urls u on u.url_canonical = v.url_canonical
group by 1
