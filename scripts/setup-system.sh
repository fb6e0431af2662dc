#!/usr/bin/env bash
# Installs the Debian packages the service needs, only when something is missing;
# with "test", also what the tests need (GDAL, QGIS and Chromium as the real clients).
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin
need=()
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3 python3-venv)
# Node.js and npm install the map page's Leaflet build from the npm registry.
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
if [ "${1:-}" = "test" ]; then
  # GDAL's ogrinfo/ogr2ogr are the real GIS client the tests drive against the layer API;
  # Chromium is the real browser for the map page.
  command -v ogr2ogr >/dev/null || need+=(gdal-bin)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  # QGIS (3.22, Debian's), headless through its Python bindings: the desktop GIS client.
  [ -f /usr/lib/python3/dist-packages/qgis/core/__init__.py ] || need+=(python3-qgis)
fi
# A PostgreSQL server is needed here unless DATABASE_URL points elsewhere; the tests also start
# clusters of their own (tests/test_faults.py), so they always need the binaries and PostGIS.
if [ -z "${DATABASE_URL:-}" ] || [ "${1:-}" = "test" ]; then
  [ -x "$PG_BIN/postgres" ] || need+=(postgresql-15)
  [ -f /usr/share/postgresql/15/extension/postgis.control ] || need+=(postgresql-15-postgis-3)
fi

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "setup: installing Debian packages: ${need[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: error: these packages are missing and installing them needs root: ${need[*]}" >&2
  echo "setup: run as root, or install them yourself, or set DATABASE_URL to a PostGIS server" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "setup: error: no apt-get here; install by hand: ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "setup: installed ${need[*]}" >&2
