"""The extraction workers' fork server: started early, it is the one the pool then forks from, stages imported and
the language model loaded before any worker is forked."""

from __future__ import annotations

import multiprocessing.forkserver
import os
import sys

from ingest.extract.fork_server import PRELOADED_MODULES, fork_server_context, start_fork_server


def _stages_imported_and_parent(_: int) -> tuple[bool, int]:
    return "ingest.extract.clean" in sys.modules and "ingest.extract.html" in sys.modules, os.getppid()


def _language_model_loaded(_: int) -> bool:
    from py3langid import langid

    return langid.IDENTIFIER is not None  # read before this worker classified anything


def test_started_fork_server_is_the_pools_parent_with_the_stages_preloaded() -> None:
    start_fork_server()
    server_pid = multiprocessing.forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined]
    assert server_pid is not None
    with fork_server_context().Pool(1) as pool:
        preloaded, parent = pool.map(_stages_imported_and_parent, [0])[0]
    assert preloaded
    assert parent == server_pid
    assert PRELOADED_MODULES == ["ingest.extract.preload"]


def test_workers_inherit_the_language_model_instead_of_loading_it_on_their_first_page() -> None:
    start_fork_server()
    with fork_server_context().Pool(2) as pool:
        assert pool.map(_language_model_loaded, [0, 1], chunksize=1) == [True, True]



def _date_parser_patterns_compiled(_: int) -> int:
    from dateparser.languages.dictionary import Dictionary

    # One entry per locale, under the dictionary settings' key; read before this worker parsed any date.
    return sum(len(per_locale) for per_locale in Dictionary._split_regex_cache.values())


def test_workers_inherit_the_date_parsers_compiled_locales_instead_of_compiling_them_on_a_page() -> None:
    start_fork_server()
    with fork_server_context().Pool(2) as pool:
        compiled = pool.map(_date_parser_patterns_compiled, [0, 1], chunksize=1)
    assert all(count > 100 for count in compiled)  # dateparser knows some 200 locales


def _justext_stop_words_gathered(_: int) -> int:
    from trafilatura import external

    return len(external.JT_STOPLIST or ())  # read before this worker ran jusText on any page


def test_workers_inherit_the_justext_stop_words_instead_of_gathering_them_on_a_page() -> None:
    start_fork_server()
    with fork_server_context().Pool(2) as pool:
        gathered = pool.map(_justext_stop_words_gathered, [0, 1], chunksize=1)
    assert all(count > 10_000 for count in gathered)  # stop words of some hundred languages


def _first_names_parsed(_: int) -> int:
    from ingest.entities import name_signals

    return name_signals._all_first_names.cache_info().currsize  # read before this worker searched any byline


def test_workers_inherit_the_first_name_list_instead_of_parsing_it_on_a_page() -> None:
    start_fork_server()
    with fork_server_context().Pool(2) as pool:
        assert pool.map(_first_names_parsed, [0, 1], chunksize=1) == [1, 1]
