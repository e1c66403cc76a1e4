-- The canonical URLs of the articles about to be forgotten (registered as dedupe_forget).
select distinct url_canonical from dedupe_fingerprints
where url_canonical is not null and article_id in (select article_id from dedupe_forget)
