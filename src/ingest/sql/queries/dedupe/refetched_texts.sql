-- Probed articles (refetch_probe) whose text is already a version at their canonical URL.
select p.article_id from refetch_probe p
semi join article_versions v on v.url_canonical = p.url_canonical and v.text_hash = p.text_hash
