"""Shards of a run's inputs: every file in exactly one shard, the same one every time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ingest.models import RawDocument, Reject
from ingest.read.shards import Shard, ShardError, read_shard, shard_of, shard_sizes
from ingest.settings import Settings


def _corpus(directory: Path, files: int) -> list[Path]:
    directory.mkdir()
    paths = [directory / f"page-{n:03d}.txt" for n in range(files)]
    for number, path in enumerate(paths):
        path.write_text(f"Article {number}\n\n" + "A sentence of the article body goes here. " * 10)
    return paths


def _read(paths: list[str], shard: Shard) -> list[RawDocument | Reject]:
    return [item for item in read_shard(paths, Settings(), shard) if isinstance(item, RawDocument | Reject)]


def test_the_shards_partition_the_files(tmp_path: Path) -> None:
    files = _corpus(tmp_path / "corpus", 40)
    read = [_read([str(tmp_path / "corpus")], Shard(index, 3)) for index in range(3)]
    uris = [sorted(d.source_uri for d in part if isinstance(d, RawDocument)) for part in read]
    assert sorted(uri for part in uris for uri in part) == sorted(str(f) for f in files)  # each file once
    assert all(uris)  # 40 files over 3 shards: none empty
    assert [len(part) for part in uris] == shard_sizes([tmp_path / "corpus"], 3)


def test_a_file_keeps_its_shard_in_another_process_and_when_files_are_added(tmp_path: Path) -> None:
    files = _corpus(tmp_path / "corpus", 12)
    before = [shard_of(f, 4) for f in files]
    (tmp_path / "corpus" / "new.txt").write_text("added later")
    code = ("import sys; from pathlib import Path; from ingest.read.shards import shard_of; "
            "print(' '.join(str(shard_of(Path(p), 4)) for p in sys.argv[1:]))")
    other = subprocess.run([sys.executable, "-c", code, *map(str, files)], capture_output=True, text=True, check=True)
    assert [int(n) for n in other.stdout.split()] == before  # not Python's per-process salted hash


def test_a_relative_path_and_its_absolute_path_are_in_the_same_shard(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _corpus(tmp_path / "corpus", 3)
    monkeypatch.chdir(tmp_path)
    assert shard_of(Path("corpus/page-001.txt"), 5) == shard_of(tmp_path / "corpus" / "page-001.txt", 5)


def test_a_glob_matching_nothing_is_rejected_by_the_first_shard_only(tmp_path: Path) -> None:
    pattern = str(tmp_path / "nothing-*.html")
    rejects = [[i for i in _read([pattern], Shard(index, 3)) if isinstance(i, Reject)] for index in range(3)]
    assert [[r.reason for r in part] for part in rejects] == [["no_match"], [], []]


@pytest.mark.parametrize(("index", "count"), [(3, 3), (-1, 2), (0, 0)])
def test_a_shard_outside_its_count_is_refused(index: int, count: int) -> None:
    with pytest.raises(ShardError, match="needs 0 <= shard < shards"):
        Shard(index, count)
