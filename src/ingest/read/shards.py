"""Split a run's inputs into N shards, the same way every time, so N processes (Prefect workers on one or several
machines) can each load one shard of the same paths.

A file belongs to the shard its path hashes to (SHA-256 of the absolute path, modulo N): no shard needs the list
of the others, a re-run puts every file in the shard it was in before (a shard whose worker died is re-run with the
same files), and adding files to a directory moves no other file. The unit is a file: the lines of one JSONL file
or the records of one WARC stay in one shard. Every shard names the same paths; each reads only its own files.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.models import Reject
from ingest.read.files import UNMATCHED_REASONS, ReadItem, expand_inputs, read_file, unmatched_inputs
from ingest.settings import Settings


class ShardError(ValueError):
    pass


@dataclass(frozen=True)
class Shard:
    """Shard `index` (0-based) of `count`."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ShardError(f"shard {self.index} of {self.count}: needs 0 <= shard < shards and shards >= 1")

    def holds(self, path: Path) -> bool:
        return shard_of(path, self.count) == self.index

    @property
    def label(self) -> str:
        return f"shard {self.index + 1}/{self.count}"


def shard_of(path: Path, count: int) -> int:
    """The shard a file belongs to: a hash of its absolute path's bytes (stable across runs and processes,
    unlike Python's `hash`)."""
    digest = hashlib.sha256(os.fsencode(path.absolute())).digest()
    return int.from_bytes(digest[:8], "big") % count


def shard_sizes(paths: Iterable[str | Path], count: int) -> list[int]:
    """How many files each of `count` shards gets (listing the inputs only: nothing is opened)."""
    sizes = Counter(shard_of(path, count) for path in expand_inputs(paths))
    return [sizes[index] for index in range(count)]


def read_shard(paths: Iterable[str | Path], settings: Settings, shard: Shard) -> Iterator[ReadItem]:
    """`read_inputs` of one shard: its files only. A glob matching nothing is rejected by the first shard alone,
    so the sharded run records it once, as a run of all the inputs does."""
    paths = list(paths)
    if shard.index == 0:
        for pattern, reason in unmatched_inputs(paths):
            if reason == "no_match":
                yield Reject(input=os.path.abspath(pattern), stage="read", reason=reason,
                             detail=UNMATCHED_REASONS[reason])
    for path in expand_inputs(paths):
        if shard.holds(path):
            yield from read_file(path, settings)
