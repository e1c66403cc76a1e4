-- One entity per name across the warehouse (see src/ingest/consolidate.py).
-- Every article resolves its mentions on its own; that article-level entity is kept (entity_local_names and
-- entity_mentions.local_entity_id) so the warehouse-wide decision, written to entity_mentions.entity_id, can be
-- recomputed as articles arrive: one type per name (type voting over all mentions, the gazetteer winning) and
-- one-word person names joined to the one full name the warehouse knows ("Putin" -> "Vladimir Putin").
create table entity_local_names (
    local_entity_id varchar primary key,
    name varchar not null,
    name_key varchar not null,      -- ingest.resolve.name_key(name): names with one key are one name
    type varchar not null,
    wikidata_id varchar,
    load_id varchar not null
);

insert into entity_local_names
select entity_id, name, lower(replace(regexp_replace(name, '''s\s', ' ', 'g'), '.', '')), type, wikidata_id, load_id
from entities;

alter table entity_mentions add column local_entity_id varchar;  -- the entity the mention's own article chose
update entity_mentions set local_entity_id = entity_id;

-- Places from the GeoNames reference carry their GeoNames id (seeds/gazetteer.csv, scripts/build_gazetteer.py).
alter table entities add column geonames_id varchar;
alter table gazetteer add column geonames_id varchar;
