"""What every extraction worker needs, loaded once in the fork server the workers are forked from
(`fork_server.PRELOADED_MODULES`), so each worker inherits it instead of loading it on its first page.

Importing this module is the point: besides the stages themselves, it loads py3langid's model, which py3langid
decompresses on first use (about a second of CPU in every process that classifies a text).
"""

from __future__ import annotations

import py3langid

import ingest.extract.workers  # noqa: F401 - the stages, imported once for every worker

py3langid.classify("a sentence to load the language model with")
