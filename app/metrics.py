"""What an operator measures, in Prometheus form (GET /metrics): requests and their latency,
the route-check queue, checker builds, database connections in use, watch re-checks, alerts
and webhook attempts."""

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "airspace_risk_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "airspace_risk_http_request_duration_seconds",
    "Time to answer, by method and route template (streamed bodies: to the first byte).",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
CHECKER_BUILDS = Histogram(
    "airspace_risk_checker_build_seconds",
    "Route checkers built (kind: current data, or as of an earlier time) and how long it took.",
    ["kind"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=REGISTRY,
)
ROUTE_CHECKS_WAITING = Gauge(
    "airspace_risk_route_checks_waiting", "Route checks waiting for a turn.", registry=REGISTRY
)
ROUTE_CHECKS_RUNNING = Gauge(
    "airspace_risk_route_checks_running", "Route checks being computed.", registry=REGISTRY
)
DB_CONNECTIONS_IN_USE = Gauge(
    "airspace_risk_db_connections_in_use",
    "Pooled database connections checked out.",
    registry=REGISTRY,
)


WATCH_PASSES = Histogram(
    "airspace_risk_watch_recheck_seconds",
    "Re-check passes that checked watches again, and how long each took.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
    registry=REGISTRY,
)
WATCH_ALERTS = Counter(
    "airspace_risk_watch_alerts", "Alerts written for watched flights.", registry=REGISTRY
)
WEBHOOK_ATTEMPTS = Counter(
    "airspace_risk_webhook_attempts",
    "Webhook delivery attempts by outcome (delivered, retry, failed, gone).",
    ["outcome"],
    registry=REGISTRY,
)


def watch(gauge: Gauge, read: Callable[[], float]) -> None:
    """Have a gauge read its value when scraped."""
    gauge.set_function(read)
