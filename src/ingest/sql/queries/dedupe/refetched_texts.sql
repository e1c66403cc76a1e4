-- Probed articles (refetch_probe) whose text is already a version at their canonical URL.
select p.article_id from refetch_probe p
semi join article_versions v on v.url_canonical = p.url_canonical and v.folded_text_hash = p.folded_text_hash
