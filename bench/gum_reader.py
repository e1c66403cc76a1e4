"""Read GUM news CoNLL-U files into plain text plus gold entity mentions with character offsets.

The text is rebuilt from the tokens (SpaceAfter=No respected, sentences joined by a space, paragraphs by a
newline), so every gold mention's (start, end) slices the rebuilt text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

_OPEN_OR_CLOSE = re.compile(r"\((?P<open>\d+-[^()]*)|(?P<close>\d+)\)")


@dataclass(frozen=True)
class GoldMention:
    start: int
    end: int
    text: str
    etype: str  # person, organization, place, event, ...
    identity: str | None  # Wikipedia title when the mention is linked
    named: bool  # holds a proper noun: the only mentions a named-entity recogniser can be asked to find


@dataclass
class GumDocument:
    name: str
    title: str
    text: str = ""
    mentions: list[GoldMention] = field(default_factory=list)

    def linked(self, types: tuple[str, ...] = ("person", "organization", "place")) -> list[GoldMention]:
        return [m for m in self.mentions if m.identity and m.named and m.etype in types]


@dataclass
class _Open:
    start: int
    etype: str
    identity: str | None
    first_token: int


@dataclass
class _Builder:
    parts: list[str] = field(default_factory=list)
    length: int = 0
    tokens: list[tuple[int, int, str]] = field(default_factory=list)  # start, end, upos
    pending_space: bool = False

    def add(self, form: str, space_after: bool) -> tuple[int, int]:
        if self.pending_space:
            self.parts.append(" ")
            self.length += 1
        start = self.length
        self.parts.append(form)
        self.length += len(form)
        self.pending_space = space_after
        return start, self.length

    def separator(self, sep: str) -> None:
        if self.length:
            self.parts.append(sep)
            self.length += len(sep)
        self.pending_space = False


def read_document(path: Path) -> GumDocument:
    doc = GumDocument(name=path.stem, title="")
    text = _Builder()
    stack: dict[str, list[_Open]] = {}
    multiword: tuple[int, int, int, int] | None = None  # first id, last id, start, end
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# meta::title = "):
            doc.title = line.split(" = ", 1)[1]
        elif line.startswith("# newpar"):
            if not line.startswith("# newpar_block"):
                text.separator("\n")
        elif line.startswith("#") or not line.strip():
            continue
        else:
            columns = line.split("\t")
            space_after = "SpaceAfter=No" not in columns[9]
            if "-" in columns[0]:
                first, last = (int(x) for x in columns[0].split("-"))
                start, end = text.add(columns[1], space_after)
                multiword = (first, last, start, end)
                continue
            if "." in columns[0]:
                continue  # empty nodes carry no surface text
            number = int(columns[0])
            if multiword and multiword[0] <= number <= multiword[1]:
                start, end = multiword[2], multiword[3]
            else:
                multiword = None
                start, end = text.add(columns[1], space_after)
            text.tokens.append((start, end, columns[3]))
            _apply_entities(doc, text, stack, columns[9], start, end)
    doc.text = "".join(text.parts)
    return doc


def _apply_entities(doc: GumDocument, text: _Builder, stack: dict[str, list[_Open]], misc: str,
                    start: int, end: int) -> None:
    entity = next((p[len("Entity="):] for p in misc.split("|") if p.startswith("Entity=")), None)
    if entity is None:
        return
    for match in _OPEN_OR_CLOSE.finditer(entity):
        if match["open"]:
            fields = match["open"].split("-", 7)
            identity = unquote(fields[7]).replace("_", " ") if len(fields) > 7 and fields[7] else None
            opened = _Open(start, fields[1], identity, len(text.tokens) - 1)
            stack.setdefault(fields[0], []).append(opened)
            if entity[match.end():match.end() + 1] == ")":  # single-token mention "(id-...)"
                _close(doc, text, stack, fields[0], end)
        elif match["close"] and stack.get(match["close"]):
            _close(doc, text, stack, match["close"], end)


def _close(doc: GumDocument, text: _Builder, stack: dict[str, list[_Open]], entity_id: str, end: int) -> None:
    opened = stack[entity_id].pop()
    uposes = [t[2] for t in text.tokens[opened.first_token:]]
    body = "".join(text.parts)
    doc.mentions.append(GoldMention(opened.start, end, body[opened.start:end], opened.etype, opened.identity,
                                    named="PROPN" in uposes))


def read_corpus(directory: Path) -> list[GumDocument]:
    return [read_document(path) for path in sorted(directory.glob("*.conllu"))]
