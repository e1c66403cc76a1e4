"""The NER model and the word lists resolution reads, loaded once in the fork server the NER workers are forked
from (see `ingest.extract.fork_server.start_fork_server`), so each worker inherits them.

Importing this module is the point. The model's name comes from the fork server's environment; a model that
cannot be loaded leaves nothing here (the fork server must not die of it: the extraction workers are forked from it
too), and each NER worker then loads the model itself and fails with its own clear error.
"""

from __future__ import annotations

import os

from ingest.entities.gazetteer import load_patterns
from ingest.entities.name_signals import load_name_lists
from ingest.entities.ner import PRELOADED_MODELS, load_model
from ingest.entities.plausibility import load_word_lists
from ingest.extract.fork_server import NER_MODEL_VARIABLE


def _preload(model_name: str | None) -> None:
    if not model_name:
        return
    try:
        PRELOADED_MODELS[model_name] = load_model(model_name)
    except Exception:  # noqa: BLE001 - see the module's docstring: the workers report it
        return
    load_name_lists()
    load_word_lists()
    load_patterns()


_preload(os.environ.get(NER_MODEL_VARIABLE))
