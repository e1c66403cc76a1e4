"""Where the checkout, the seed inputs and the shared evaluation sets are."""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SEEDS = REPO_ROOT / "seeds"
SHARED_EVAL = REPO_ROOT.parent / "shared" / "eval"
SEED_ARTICLE = SEEDS / "000_05219128a0266354.txt"
SEED_EXPECTED = SEEDS / "000_05219128a0266354.expected.json"
BIN = Path(sys.executable).parent  # where this interpreter's scripts are: ingest, prefect
