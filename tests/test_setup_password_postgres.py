"""The set-up on a machine whose PostgreSQL wants a password over TCP (Debian's default
pg_hba.conf): scripts/database-url.sh notices, says so, and brings up a project-local cluster
that the service then migrates and serves from. A cluster of the test's own plays Debian's."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text

from app.settings import PROJECT_ROOT
from tests.pg_clusters import PG_BIN, free_port, private_cluster

SCRIPT = PROJECT_ROOT / "scripts" / "database-url.sh"


def test_a_password_protected_server_leads_to_a_local_cluster() -> None:
    local_port = free_port()
    with (
        private_cluster(password="s3cret-for-the-test") as debian_like,
        tempfile.TemporaryDirectory() as work,
    ):
        Path(work).chmod(0o755)
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(
            AIRSPACE_RISK_SHARED_PG_PORT=str(debian_like.port),
            AIRSPACE_RISK_LOCAL_PG_PORT=str(local_port),
            AIRSPACE_RISK_DB_NAME="airspace_risk_setup",
        )
        found = subprocess.run(
            ["bash", str(SCRIPT)], cwd=work, env=env, capture_output=True, text=True,
            timeout=180, check=False,
        )  # fmt: skip
        try:
            assert found.returncode == 0, found.stderr
            assert "wants a password" in found.stderr
            url = found.stdout.strip()
            assert url == f"postgresql://postgres@127.0.0.1:{local_port}/airspace_risk_setup"
            # The service's own commands then work against it, as make run runs them.
            cli = str(Path(sys.executable).parent / "airspace-risk")
            for command in (["db", "create"], ["db", "upgrade"]):
                done = subprocess.run(
                    [cli, *command], env={**env, "DATABASE_URL": url}, capture_output=True,
                    text=True, timeout=300, check=False,
                )  # fmt: skip
                assert done.returncode == 0, done.stderr
            engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
            with engine.connect() as connection:
                assert connection.execute(text("SELECT postgis_version()")).scalar_one()
            engine.dispose()
        finally:
            data = Path(work) / ".data" / "postgres"
            owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
            subprocess.run(
                [*owner, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True, timeout=60, check=False,
            )  # fmt: skip
