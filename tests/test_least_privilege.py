"""The service's sessions run as a role that owns nothing: the audit trail and the versions are
append-only by grants as well as by triggers, whatever SQL the service might be made to run."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from app.settings import Settings
from app.store import migrations
from app.store.engine import make_engine
from app.store.provisioning import drop_database
from tests.conftest import new_database


@pytest.fixture(scope="module")
def service_engine(database_url: str) -> Iterator[Engine]:
    """The engine the service itself uses (store/engine.py), one connection."""
    engine = make_engine(Settings(database_url=database_url, db_pool_size=1, db_max_overflow=0))
    yield engine
    engine.dispose()


def test_sessions_run_as_the_service_role_across_checkouts(service_engine: Engine) -> None:
    for _ in range(3):  # the pool rolls back between checkouts: the role stays
        with service_engine.connect() as connection:
            who = connection.execute(text("SELECT current_user, session_user")).one()
            connection.rollback()
        assert who[0] == "airspace_risk_service"
        assert who[1] != "airspace_risk_service"  # logged in as the owner, acting as the role


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("TRUNCATE audit_log", "permission denied"),
        ("TRUNCATE feature_versions", "permission denied"),
        ("DELETE FROM audit_log", "permission denied"),
        ("UPDATE feature_versions SET change = 'x'", "permission denied"),
        ("ALTER TABLE audit_log DISABLE TRIGGER ALL", "must be owner"),
        ("SET session_replication_role = replica", "permission denied"),
        ("DROP TABLE conflict_zones", "must be owner"),
        ("DELETE FROM conflict_zones", "permission denied"),
        ("CREATE TABLE sneaky (id int)", "permission denied"),
    ],
)
def test_what_the_service_role_cannot_do(
    service_engine: Engine, statement: str, refusal: str
) -> None:
    with service_engine.connect() as connection:
        with pytest.raises(DBAPIError) as refused:
            connection.execute(text(statement))
        connection.rollback()
    assert refusal in str(refused.value.orig)


def test_what_it_can_do(service_engine: Engine) -> None:
    with service_engine.connect() as connection:
        version = connection.execute(text("SELECT data_version FROM dataset_state")).scalar_one()
        connection.execute(
            text(
                "INSERT INTO audit_log (action, layer, feature_id) VALUES ('test.probe', 'x', 'y')"
            )
        )
        connection.rollback()
    assert isinstance(version, int)


def test_a_database_not_yet_granting_the_role_is_served_as_the_owner() -> None:
    # The role is cluster-wide: it exists once any database has run 0004. A database still at
    # 0003 has granted it nothing, so its sessions must not act as it (every query would fail).
    url = new_database("before_grants")
    try:
        migrations.upgrade(url, "0003_lifecycle")
        engine = make_engine(Settings(database_url=url))
        with engine.connect() as connection:
            who = connection.execute(text("SELECT current_user")).scalar_one()
            version = connection.execute(
                text("SELECT data_version FROM dataset_state")
            ).scalar_one()
        engine.dispose()
        assert who != "airspace_risk_service"
        assert isinstance(version, int)
    finally:
        drop_database(url)
