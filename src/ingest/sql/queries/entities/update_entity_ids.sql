-- Known entities take the Wikidata and GeoNames ids an incoming row adds.
update entities set wikidata_id = coalesce(i.wikidata_id, entities.wikidata_id),
                    geonames_id = coalesce(i.geonames_id, entities.geonames_id)
from incoming_entities i
where entities.entity_id = i.entity_id
  and (entities.wikidata_id is distinct from coalesce(i.wikidata_id, entities.wikidata_id)
       or entities.geonames_id is distinct from coalesce(i.geonames_id, entities.geonames_id))
