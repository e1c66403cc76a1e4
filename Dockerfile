# The ingest service: `ingest serve` (all deployments, their schedules) against the Prefect server of
# docker-compose.yml. The warehouse lives on the volume mounted at /app/warehouse.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    INGEST_WAREHOUSE=/app/warehouse/news.duckdb \
    INGEST_INBOX=/app/inbox \
    INGEST_EXPORT_DIR=/app/warehouse/export

WORKDIR /app
RUN useradd --create-home --uid 1000 ingest

# Dependencies first, at the locked versions, so a code change does not reinstall them: the list comes from
# pyproject.toml alone. The old pip of the base image may skip lxml[html_clean], which trafilatura needs: upgrade
# it first.
COPY pyproject.toml requirements.lock /tmp/deps/
RUN python -m pip install --upgrade pip \
    && python -c "import tomllib; print(*tomllib.load(open('/tmp/deps/pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" \
       > /tmp/deps/requirements.txt \
    && python -m pip install -c /tmp/deps/requirements.lock -r /tmp/deps/requirements.txt \
    && rm -rf /tmp/deps

# The package itself, installed like any wheel: its SQL files and gazetteer ship inside it, and `ingest serve`
# hands Prefect the flows' files in site-packages. No source tree stays in the image.
COPY pyproject.toml README.md /tmp/build/
COPY src /tmp/build/src
COPY flows /tmp/build/flows
RUN python -m pip install --no-deps /tmp/build \
    && rm -rf /tmp/build

# Example inputs and the web sources list (settings: sources_csv = seeds/sources.csv, relative to /app).
COPY seeds ./seeds
RUN mkdir -p /app/warehouse /app/inbox \
    && chown -R ingest:ingest /app/warehouse /app/inbox

USER ingest
VOLUME ["/app/warehouse"]

# Healthy once `ingest serve` has registered its deployments with the server.
HEALTHCHECK --interval=15s --timeout=10s --start-period=60s --retries=5 \
    CMD prefect deployment inspect ingest-files/ingest-files > /dev/null || exit 1

CMD ["ingest", "serve"]
