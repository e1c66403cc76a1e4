-- Drop the version rows of the renumbered URLs that dedupe_wanted_versions does not repeat exactly.
delete from article_versions v
where url_canonical in (select url_canonical from dedupe_version_urls)
  and not exists (
      select 1 from dedupe_wanted_versions w
      where w.url_canonical = v.url_canonical and w.version = v.version and w.article_id = v.article_id
        and w.folded_text_hash = v.folded_text_hash
  )
