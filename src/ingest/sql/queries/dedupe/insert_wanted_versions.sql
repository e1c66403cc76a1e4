-- Add the wanted versions not stored yet, with this load's id.
insert into article_versions by name
select w.*, ? as load_id from dedupe_wanted_versions w
anti join article_versions v on v.url_canonical = w.url_canonical and v.version = w.version
