"""One entity per name across the whole warehouse, decided from every article's own resolution.

Each article resolves its mentions on its own (ingest.entities.resolve), so the same name can come out typed differently
in different articles ("AI" a LOCATION here, an ORGANIZATION there) and a short form ("Putin") stays apart from
the full name another article used. Here, over all the article-level entities that share a name key:
- the type is the gazetteer's when the name is a reference entity, else the majority over all their mentions;
- a one-word person name joins the full name when the warehouse knows exactly one person whose name ends in
  that word ("Putin" -> "Vladimir Putin"; with two Putins known, it stays apart);
- a one-word organisation or place name no reference knows joins the one organisation the warehouse knows as
  "... of <that word>" ("Scientology" -> "Church of Scientology"; with a second such organisation, neither);
- an organisation name no reference knows joins the one organisation the warehouse knows as that name followed
  only by words naming the kind of body ("Nintendo" -> "Nintendo Co., Ltd.", "Microsoft" -> "Microsoft
  Corp"), as the same rule already joins them within one article.
The decision is recomputed whenever articles naming those keys arrive, so it does not depend on load order.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.entities.gazetteer import Gazetteer
from ingest.entities.resolve import BODY_WORDS, entity_id_for


@dataclass(frozen=True)
class LocalEntity:
    """An entity as one article resolved it, with how many mentions in the warehouse carry it."""

    local_entity_id: str
    name: str
    key: str
    type: str
    wikidata_id: str | None
    mentions: int


@dataclass(frozen=True)
class Canonical:
    entity_id: str
    name: str
    type: str
    wikidata_id: str | None


def consolidate(local: Sequence[LocalEntity], gazetteer: Gazetteer | None) -> dict[str, Canonical]:
    """The warehouse entity each article-level entity belongs to, by local entity id."""
    by_key: dict[str, list[LocalEntity]] = defaultdict(list)
    for entity in local:
        by_key[entity.key].append(entity)
    chosen = {key: _by_vote(group, gazetteer) for key, group in by_key.items()}
    full_names: dict[tuple[str, str], set[str]] = defaultdict(set)
    for key, canonical in chosen.items():
        if canonical.type == "PERSON" and " " in key:
            full_names["PERSON", key.rsplit(" ", 1)[1]].add(key)
        elif canonical.type == "ORGANIZATION":
            if " of " in key:
                full_names["ORGANIZATION", key.rsplit(" of ", 1)[1]].add(key)
            if (short := _before_body_words(key)) is not None:
                full_names["BODY", short].add(key)
    _join_body_short_forms(chosen, full_names, gazetteer)
    for key, canonical in list(chosen.items()):
        if " " in key or canonical.wikidata_id is not None:
            continue
        role = "PERSON" if canonical.type == "PERSON" else "ORGANIZATION"
        if role == "ORGANIZATION" and (canonical.type not in ("ORGANIZATION", "LOCATION")
                                       or (gazetteer is not None and gazetteer.lookup(key) is not None)):
            continue  # only a name no reference knows: "Texas" stays apart from "University of Texas"
        candidates = full_names.get((role, key), set())
        if len(candidates) == 1:
            chosen[key] = chosen[next(iter(candidates))]
    return {entity.local_entity_id: chosen[entity.key] for entity in local}


def _before_body_words(key: str) -> str | None:
    """"nintendo" for "nintendo co, ltd": the name before trailing words that name the kind of body."""
    words = key.split()
    cut = len(words)
    while cut > 1 and words[cut - 1].strip(",") in BODY_WORDS:
        cut -= 1
    return " ".join(words[:cut]) if cut < len(words) else None


def _join_body_short_forms(chosen: dict[str, Canonical], full_names: dict[tuple[str, str], set[str]],
                           gazetteer: Gazetteer | None) -> None:
    """An unlinked organisation joins the one full name that is it plus body words ("Microsoft" -> "Microsoft
    Corp"); with two such names ("Apple Inc", "Apple Bank"), neither."""
    for key, canonical in list(chosen.items()):
        candidates = full_names.get(("BODY", key), set())
        if (canonical.type == "ORGANIZATION" and canonical.wikidata_id is None and len(candidates) == 1
                and (gazetteer is None or gazetteer.lookup(key) is None)):
            chosen[key] = chosen[next(iter(candidates))]


def _by_vote(group: list[LocalEntity], gazetteer: Gazetteer | None) -> Canonical:
    """The gazetteer's type when the name is a reference entity; else the type most mentions carry (a person
    on a tie, as a tie between person and place is mostly a surname that is also a town)."""
    linked = [e for e in group if e.wikidata_id]
    if linked:
        top = max(linked, key=lambda e: (e.mentions, e.name))
        return Canonical(entity_id_for(top.type, top.name), top.name, top.type, top.wikidata_id)
    votes: Counter[str] = Counter()
    for entity in group:
        votes[entity.type] += entity.mentions
    entity_type = min(votes, key=lambda t: (-votes[t], t != "PERSON", t))
    most_named = max(group, key=lambda e: (e.mentions, e.name))
    entry = gazetteer.lookup(most_named.name) if gazetteer else None
    if entry is not None and (entry.rescue or entity_type != "PERSON"):  # a weak entry never outvotes a person
        return Canonical(entity_id_for(entry.type, entry.name), entry.name, entry.type, entry.wikidata_id)
    names: Counter[str] = Counter()
    for entity in group:
        if entity.type == entity_type:
            names[entity.name] += entity.mentions
    name = min(names, key=lambda n: (-names[n], n))
    return Canonical(entity_id_for(entity_type, name), name, entity_type, None)
