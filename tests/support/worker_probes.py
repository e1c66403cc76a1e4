"""Functions a test sends to worker processes to ask what they inherited (importable by name in every worker)."""

from __future__ import annotations

import os


def ner_model_state(_: object = None) -> dict[str, object]:
    """This worker's parent, the models its fork server preloaded, and whether its model is the inherited one."""
    from ingest.entities import ner

    model = ner._worker_nlp
    return {"parent": os.getppid(), "preloaded": sorted(ner.PRELOADED_MODELS),
            "inherited": model is not None and any(model is m for m in ner.PRELOADED_MODELS.values()),
            "has_model": model is not None}
