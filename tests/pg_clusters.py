"""PostgreSQL clusters of a test's own, in temporary folders on ports of their own (the
shared server is never stopped or reconfigured by a test)."""

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cluster:
    """A PostgreSQL cluster in a temporary folder, on a port of its own."""

    folder: Path
    port: int
    as_owner: list[str] = field(default_factory=list)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str, password: str | None = None) -> str:
        """The SQLAlchemy URL of a database on it."""
        secret = f":{password}" if password else ""
        return f"postgresql+psycopg://postgres{secret}@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.as_owner, str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", *args],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._pg_ctl("-l", str(self.folder / "server.log"), "-o", options, "start")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")


@contextmanager
def private_cluster(password: str | None = None) -> Iterator[Cluster]:
    """A new cluster, started; trust auth, or a password for postgres over TCP (as Debian's
    own cluster asks); stopped and removed afterwards."""
    if not (PG_BIN / "initdb").exists():
        pytest.fail("PostgreSQL 15's binaries are installed by make test's set-up")
    folder = Path(tempfile.mkdtemp(prefix="airspace-risk-pg-"))
    folder.chmod(0o755)
    as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_owner:
        shutil.chown(folder, "postgres", "postgres")
    auth = ["--auth=trust"]
    if password is not None:
        secret = folder / "pwfile"
        secret.write_text(password + "\n")
        if as_owner:
            shutil.chown(secret, "postgres", "postgres")
        auth = ["--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={secret}"]
    subprocess.run(
        [*as_owner, str(PG_BIN / "initdb"), "-D", str(folder / "data"), "-U", "postgres",
         *auth, "-E", "UTF8"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    cluster = Cluster(folder, free_port(), as_owner)
    cluster.start()
    try:
        yield cluster
    finally:
        subprocess.run(
            [*as_owner, str(PG_BIN / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate",
             "stop"], capture_output=True, timeout=60, check=False,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)
