# Deployment image: slim Python, non-root. Not built on the development machines (no Docker
# engine there); compose.yaml pairs it with a PostGIS server.
FROM node:20-slim AS web
WORKDIR /web
COPY app/web/package.json app/web/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    AIRSPACE_RISK_HOST=0.0.0.0 AIRSPACE_RISK_PORT=8000

WORKDIR /srv/airspace-risk
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY --from=web /web/node_modules ./app/web/node_modules
COPY migrations ./migrations
COPY geodata ./geodata
# Editable, so that alembic.ini, migrations/ and geodata/ are found beside the package.
RUN pip install -e . && useradd --system --uid 10001 airspace
USER airspace

EXPOSE 8000
# Migrate and load (both idempotent), then serve.
CMD ["sh", "-c", "airspace-risk db upgrade && airspace-risk load && exec airspace-risk serve"]
