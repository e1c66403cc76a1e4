-- Highest version and every text hash stored at each canonical URL of dedupe_urls (filtered on a value no canonical
-- URL is, for the Bloom filter pushdown described in gather_band_postings).
select v.url_canonical, max(v.version), list(v.folded_text_hash) from article_versions v
semi join (select url_canonical from dedupe_urls where url_canonical <> '') u on u.url_canonical = v.url_canonical
group by 1
