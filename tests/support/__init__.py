"""How the shared test helpers work. Test modules do not import this package: they receive each helper as a
fixture of the same name from tests/conftest.py (or a package's conftest.py), which is the only importer here
(besides bench/soak.py and bench/reader_wait.py, which reuse the soak harness and the generated news pages)."""
