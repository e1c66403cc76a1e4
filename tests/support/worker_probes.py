"""Functions a test sends to worker processes to ask what they inherited (importable by name in every worker)."""

from __future__ import annotations

import os


def ner_model_state(_: object = None) -> dict[str, object]:
    """This worker's parent, the models its fork server preloaded, and whether its model is the inherited one."""
    import sys

    from ingest.entities import gazetteer, ner

    model = ner._worker_nlp
    frequencies = sys.modules.get("wordfreq")  # resolution's word frequencies: read on the first article if not
    read = frequencies is not None and frequencies.get_frequency_dict.cache_info().currsize > 0
    return {"parent": os.getppid(), "preloaded": sorted(ner.PRELOADED_MODELS),
            "inherited": model is not None and any(model is m for m in ner.PRELOADED_MODELS.values()),
            "has_model": model is not None,
            "word_frequencies_read": read,
            "gazetteer_pattern_built": gazetteer._capital_token.cache_info().currsize > 0}
