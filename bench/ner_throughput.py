"""NER throughput: words per second on one process and on two, same corpus, one run.

The corpus is the main text of the wcxb-dev pages (../shared/eval/wcxb-dev/ground-truth/*.json). Each engine is
warmed up first (worker start-up and model load are paid once per run, not per batch, so they are reported
apart), then times `NerEngine.annotate` over the whole corpus: the model with only NER and the sentence
splitter enabled. The machine's load average is printed too: other processes on a shared box skew the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest.entities.ner import NerEngine  # noqa: E402
from ingest.settings import Settings  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "eval" / "wcxb-dev" / "ground-truth"


def load_corpus(directory: Path, max_docs: int, max_words: int) -> list[str]:
    texts: list[str] = []
    words = 0
    for path in sorted(directory.glob("*.json"))[:max_docs]:
        text = json.loads(path.read_text(encoding="utf-8")).get("ground_truth", {}).get("main_content") or ""
        if text.strip():
            texts.append(text)
            words += len(text.split())
        if words >= max_words:
            break
    return texts


def measure(texts: list[str], model: str, processes: int) -> tuple[float, float]:
    """(start-up seconds, annotate seconds) for one engine."""
    engine = NerEngine(model, processes)
    try:
        started = time.perf_counter()
        engine.warm_up()
        ready = time.perf_counter()
        engine.annotate(texts)
        done = time.perf_counter()
    finally:
        engine.close()
    return ready - started, done - ready


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--max-docs", type=int, default=400)
    parser.add_argument("--max-words", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=2, help="alternating measurements of each configuration")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"{args.corpus} is absent: the shared evaluation set is not on this machine")
    texts = load_corpus(args.corpus, args.max_docs, args.max_words)
    words = sum(len(t.split()) for t in texts)
    model = Settings().spacy_model
    print(f"corpus: {len(texts)} documents, {words} words; model {model}; {os.cpu_count()} CPUs")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rates: dict[int, list[float]] = {1: [], 2: []}
    for attempt in range(1, args.repeats + 1):  # alternate, so a burst of outside load hits both alike
        for processes in (1, 2):
            startup, seconds = measure(texts, model, processes)
            rates[processes].append(words / seconds)
            print(f"[{attempt}] {processes} process{'es' if processes > 1 else '':2}: {words / seconds:8.0f} words/s "
                  f"({seconds:.1f}s; start-up {startup:.1f}s, once per run)")
    ratios = sorted(two / one for one, two in zip(rates[1], rates[2], strict=True))
    print("speed-up two/one per attempt: " + ", ".join(f"{r:.2f}x" for r in ratios)
          + f" (median {ratios[len(ratios) // 2]:.2f}x)")
    best = {processes: max(values) for processes, values in rates.items()}
    print(f"best: one {best[1]:.0f} words/s, two {best[2]:.0f} words/s; speed-up two/one {best[2] / best[1]:.2f}x")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
