"""Analyst marts that span stages: entities counted per story, not per copy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.settings import Settings
from tests.support.paths import SEED_ARTICLE

FOLLOW_UP = """\
Hamas said on Sunday it had received the new proposal through Egyptian mediators and would study it carefully
before giving an answer, according to a statement published by the group late in the evening.
Russian President Vladimir Putin told reporters in Moscow that any settlement had to include guarantees for the
civilian population of Gaza and should be endorsed by the United Nations Security Council.
Officials in Cairo said talks would resume on Tuesday with delegations from both sides expected to attend.
"""


def test_people_named_with_hamas_count_each_story_once(tmp_path: Path, settings: Settings,
                                                       enricher: object, ingest_and_enrich: Callable[..., None],
                                                       query: Callable[..., list[tuple]]) -> None:  # noqa: F811
    copy = tmp_path / "syndicated" / "copy.txt"
    copy.parent.mkdir()
    copy.write_text("Reporting by our wire service.\n" + SEED_ARTICLE.read_text(encoding="utf-8"), encoding="utf-8")
    follow_up = tmp_path / "follow_up.txt"
    follow_up.write_text(FOLLOW_UP, encoding="utf-8")
    ingest_and_enrich(settings, enricher, [SEED_ARTICLE, copy, follow_up])  # type: ignore[arg-type]

    rows = query(settings, "select companion, count(distinct story_id), count(distinct article_id) "
                           "from entity_companions where entity = 'Hamas' and companion_type = 'PERSON' "
                           "group by companion order by companion")
    counts = {name: (stories, articles) for name, stories, articles in rows}
    assert counts["Vladimir Putin"] == (2, 3)  # the seed and its copy are one story, the follow-up another
    assert counts["Marco Rubio"] == (1, 2)
    assert "Sofia Babu Chacko" not in counts
