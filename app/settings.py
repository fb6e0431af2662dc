"""Settings from environment variables prefixed AIRSPACE_RISK_; DATABASE_URL wins when set."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/airspace_risk"


class Settings(BaseSettings):
    """Everything the service reads from its environment (see the README's table)."""

    model_config = SettingsConfigDict(
        env_prefix="AIRSPACE_RISK_", extra="ignore", populate_by_name=True
    )

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "AIRSPACE_RISK_DATABASE_URL"),
        description="PostgreSQL URL; DATABASE_URL takes precedence over the prefixed name.",
    )
    host: str = Field(default="127.0.0.1", description="Address the server binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the server listens on.")
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"
    db_pool_size: int = Field(default=5, ge=1, le=100, description="Pooled connections.")
    db_max_overflow: int = Field(default=5, ge=0, le=100, description="Extra connections.")
    db_service_role: str = Field(
        default="airspace_risk_service",
        pattern=r"^[a-z_][a-z0-9_]*$|^$",
        description="Role the service's sessions run as (created by the migrations; '' to run "
        "as the connecting user).",
    )
    db_pool_timeout_s: float = Field(
        default=5.0, gt=0, le=60, description="Longest a request waits for a pooled connection."
    )
    db_statement_timeout_ms: int = Field(
        default=15_000, ge=100, description="Longest a query may run before it is cancelled."
    )
    max_body_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1024, description="Largest request body accepted (413 above)."
    )
    read_requires_key: bool = Field(
        default=False, description="Layers and route checks only for callers with a key."
    )
    write_rate_per_minute: int = Field(
        default=60, ge=1, description="Writes each API key may make per minute (429 above)."
    )
    route_check_concurrency: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Route checks computed at once in one process; more wait their turn "
        "(Python runs one at a time anyway, and more only contend for the GIL).",
    )
    header_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="Time a client has to send its request line and headers (408 beyond).",
    )
    max_concurrent_requests: int = Field(
        default=1_000,
        ge=10,
        description="Connections and requests one process serves at once; beyond, 503 at once "
        "(put a proxy in front for more, and for limits per client).",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Proxies whose X-Forwarded-For/-Proto are believed (comma-separated, or "
        "'*' when only the proxy can reach the service).",
    )
    allowed_hosts: list[str] = Field(
        default=["127.0.0.1", "localhost", "[::1]", "testserver"],
        description="Host names the service answers to (its absolute links use them); a "
        "leading '*.' allows subdomains; ['*'] allows any (behind a proxy that checks).",
    )
    serve_stale_during_rebuild: bool = Field(
        default=False,
        description="After a data change, answer checks from the previous checker while the "
        "new one is built (each answer says its data_version); by default checks wait, so a "
        "closure written a moment ago counts at once.",
    )
    as_of_checkers_megabytes: int = Field(
        default=512, ge=16, description="Memory kept for checkers as of earlier times."
    )
    shared_checker_dir: str = Field(
        default="/dev/shm/airspace-risk",
        description="Where the worker processes of a host share route checkers' edge arrays "
        "(memory-mapped files; empty: each process keeps its own).",
    )
    route_check_max_waiting: int = Field(
        default=64,
        ge=1,
        le=10_000,
        description="Route checks that may wait for a turn in one process; beyond, 503 with "
        "Retry-After (a waiting check holds no thread).",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The service's address as its clients reach it: links in alerts and the "
        "`source` of webhook events (written without a request to take the host from).",
    )
    watch_recheck_interval_s: float = Field(
        default=0.5, gt=0, le=60, description="How often each process looks for data changes "
        "and validity boundaries to re-check watches against.",
    )  # fmt: skip
    webhook_delivery: bool = Field(
        default=True, description="Deliver webhooks from this process (off: alerts wait in "
        "the outbox for a process that does).",
    )  # fmt: skip
    webhook_allow_private: bool = Field(
        default=False, description="Allow webhook URLs on private, loopback and link-local "
        "addresses (for receivers inside the operator's own network).",
    )  # fmt: skip
    webhook_first_retry_s: float = Field(
        default=5.0, gt=0, le=3_600, description="Wait before a failed delivery's first retry; "
        "each later wait doubles (with jitter), up to an hour.",
    )  # fmt: skip
    webhook_connect_timeout_s: float = Field(default=5.0, gt=0, le=60)
    webhook_read_timeout_s: float = Field(default=10.0, gt=0, le=120)
    screening_jobs: bool = Field(
        default=True, description="Run screening jobs from this process (off: they wait for a "
        "process that does).",
    )  # fmt: skip
    screening_dir: Path = Field(
        default=PROJECT_ROOT / ".data" / "screenings",
        description="Where screening jobs' uploaded tracks and result files are kept.",
    )
    screening_scheduler: str | None = Field(
        default=None, description="A Dask scheduler's address for screening jobs (else a "
        "local cluster of worker processes, started with the first job).",
    )  # fmt: skip
    screening_workers: int = Field(
        default=1, ge=1, le=64, description="Worker processes of the local screening cluster."
    )
    screening_max_upload_bytes: int = Field(
        default=2 * 1024**3, ge=1024, description="Largest track file a screening job accepts."
    )
    geodata_dir: Path = Field(
        default=PROJECT_ROOT / "geodata", description="Where the bundled layers are read from."
    )

    @model_validator(mode="after")
    def _postgres_only(self) -> "Settings":
        if not self.database_url.startswith(
            ("postgresql://", "postgresql+psycopg://", "postgres://")
        ):
            raise ValueError("database_url must be a postgresql:// URL")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with the psycopg 3 driver named, as SQLAlchemy wants it."""
        for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
            if self.database_url.startswith(prefix):
                return "postgresql+psycopg://" + self.database_url[len(prefix) :]
        return self.database_url


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
