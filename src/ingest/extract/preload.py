"""What every extraction worker needs, loaded once in the fork server the workers are forked from
(`fork_server.PRELOADED_MODULES`), so each worker inherits it instead of loading it on its first page.

Importing this module is the point: besides the stages themselves, it loads py3langid's model, which py3langid
decompresses on first use (about a second of CPU in every process that classifies a text), and compiles
dateparser's word patterns for every locale, which htmldate's dateparser builds the first time it is handed a
date written in words (about two seconds of CPU in every worker that meets one), and gathers jusText's stop
words of every language, which trafilatura collects the first time its jusText fallback runs (about 0.1 s of CPU in
every worker: the fallback runs on some five pages in a hundred, so each worker of a run meets it), and parses
gender-guesser's first-name list, which the byline search reads to tell a writer's name from other words (a quarter
second of CPU in every worker: a page whose byline needs it turns up a few times in a hundred). All are caches of pure
functions: no answer depends on whether they were filled here or on a worker's first page.
"""

from __future__ import annotations

import py3langid
from htmldate.extractors import get_external_parser
from trafilatura.external import jt_stoplist_init

import ingest.extract.workers  # noqa: F401 - the stages, imported once for every worker
from ingest.entities.name_signals import any_first_name

py3langid.classify("a sentence to load the language model with")
# A string with letters no locale knows: every locale is asked whether it applies, so each compiles its patterns.
get_external_parser().get_date_data("warm up 2020")
jt_stoplist_init()  # sets trafilatura.external.JT_STOPLIST, read by every later jusText run
any_first_name("Anna")  # parses the first-name list once (a cache of the process)
