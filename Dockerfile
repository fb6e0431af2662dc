# Deployment image: slim Python, non-root. Not built on the development machines (no Docker
# engine there); compose.yaml pairs it with a PostGIS server, a one-off migration step and a
# proxy in front of two replicas.
FROM node:20-slim AS web
WORKDIR /web
COPY app/web/package.json app/web/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    AIRSPACE_RISK_HOST=0.0.0.0 AIRSPACE_RISK_PORT=8000

WORKDIR /srv/airspace-risk
COPY pyproject.toml README.md alembic.ini ./
# .dockerignore keeps the host's app/web/node_modules out: MapLibre GL JS and Swagger UI come from the web stage.
COPY app ./app
COPY --from=web /web/node_modules ./app/web/node_modules
COPY migrations ./migrations
COPY geodata ./geodata
# Editable, so that alembic.ini, migrations/ and geodata/ are found beside the package.
RUN pip install -e . && useradd --system --uid 10001 airspace
USER airspace

EXPOSE 8000
# Ready when the database answers, PostGIS is there and the migrations are at head.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status != 200)"]
# Serving only: migrations and loading are a step of their own (compose.yaml's "migrate":
# `airspace-risk db upgrade && airspace-risk load`), run once before the replicas start.
CMD ["airspace-risk", "serve"]
