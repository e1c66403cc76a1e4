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

# Dependencies first, so a code change does not reinstall them. The old pip of the base image may skip
# lxml[html_clean], which trafilatura needs: upgrade it first.
COPY pyproject.toml README.md ./
RUN mkdir -p src/ingest flows && touch src/ingest/__init__.py flows/__init__.py \
    && python -m pip install --upgrade pip \
    && python -m pip install -e . \
    && rm -rf src flows

# Editable install: the package finds sql/ next to src/, and served flows run from /app.
COPY src ./src
COPY flows ./flows
COPY seeds ./seeds
RUN python -m pip install --no-deps -e . \
    && mkdir -p /app/warehouse /app/inbox \
    && chown -R ingest:ingest /app/warehouse /app/inbox

USER ingest
VOLUME ["/app/warehouse"]

# Healthy once `ingest serve` has registered its deployments with the server.
HEALTHCHECK --interval=15s --timeout=10s --start-period=60s --retries=5 \
    CMD prefect deployment inspect ingest-files/ingest-files > /dev/null || exit 1

CMD ["ingest", "serve"]
