"""News ingestion library: read, extract, clean, load. No Prefect in here; `flows/` wires these stages."""

__version__ = "0.1.0"
