"""The database itself refuses bad rows, whatever client writes them."""

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

SQUARE = "ST_GeomFromText('MULTIPOLYGON(((40 40, 42 40, 42 42, 40 42, 40 40)))', 4326)"
GOOD_ZONE = {
    "id": "'z1'",
    "name": "'Zone'",
    "level": "2",
    "lower_ft": "NULL",
    "upper_ft": "25000",
    "published_at": "'2025-01-01T00:00:00Z'",
    "valid_from": "'2025-01-01T00:00:00Z'",
    "valid_to": "NULL",
    "end_basis": "'until_further_notice'",
    "threat": "'test-threat'",
    "issuer": "'EASA'",
    "instrument": "'CZIB'",
    "sources": "ARRAY['https://example.org/a']",
    "certainty": "'high'",
    "firs": "ARRAY['UKBV']",
    "geom": SQUARE,
}


def _insert_zone(connection: Connection, **overrides: str) -> None:
    values = {**GOOD_ZONE, **overrides}
    columns = ", ".join(values)
    # Test-only SQL built from the constants above: no client input reaches it.
    statement = f"INSERT INTO conflict_zones ({columns}) VALUES ({', '.join(values.values())})"
    with connection.begin_nested():
        connection.execute(text(statement))


def test_good_row_is_accepted_and_timestamped(connection: Connection) -> None:
    _insert_zone(connection)
    row = connection.execute(text("SELECT created_at, updated_at FROM conflict_zones")).one()
    assert row.created_at is not None
    assert row.created_at.utcoffset() is not None


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("level", "4", "conflict_zones_level_check"),
        ("lower_ft", "30000", "conflict_zones_band"),
        ("sources", "ARRAY[]::text[]", "conflict_zones_sources_check"),
        ("sources", "ARRAY['not a url']", "conflict_zones_sources_check"),
        ("certainty", "'certain'", "conflict_zones_certainty_check"),
        ("firs", "ARRAY['ukbv']", "conflict_zones_firs_check"),
        ("id", "'Has.Dots'", "conflict_zones_id_check"),
        ("valid_from", "'2024-12-31T00:00:00Z'", "conflict_zones_published_before_effect"),
        ("valid_to", "'2026-01-01T00:00:00Z'", "conflict_zones_end_basis"),
        ("end_basis", "'stated'", "conflict_zones_end_basis"),
        ("end_basis", "'maybe'", "conflict_zones_end_basis"),
        ("withdrawn_at", "'2024-01-01T00:00:00Z'", "conflict_zones_withdrawn"),
        ("supersedes", "ARRAY['z1']", "conflict_zones_supersedes"),
        ("supersedes", "ARRAY['Bad Id']", "conflict_zones_supersedes"),
        ("binding_for", "ARRAY['a; b']", "conflict_zones_binding_for"),
        ("threat", "'Not A Slug'", "conflict_zones_threat"),
        ("published_at", "NULL", 'null value in column "published_at"'),
        (
            "geom",
            "ST_GeomFromText('MULTIPOLYGON(((40 40, 42 42, 42 40, 40 42, 40 40)))', 4326)",
            "conflict_zones_geom_valid",
        ),
        (
            "geom",
            "ST_GeomFromText('MULTIPOLYGON(((170 40, 190 40, 190 42, 170 42, 170 40)))', 4326)",
            "conflict_zones_geom_in_range",
        ),
        ("geom", "ST_GeomFromText('POINT(40 40)', 4326)", "does not match column type"),
        ("geom", "ST_GeomFromText('MULTIPOLYGON(((40 40, 42 40, 42 42, 40 40)))', 3857)", "SRID"),
    ],
)
def test_bad_zone_rows_are_refused(
    connection: Connection, column: str, value: str, message: str
) -> None:
    with pytest.raises(DBAPIError) as refused:
        _insert_zone(connection, **{column: value})
    assert message in str(refused.value.orig)


def test_a_stated_end_before_the_start_is_refused(connection: Connection) -> None:
    with pytest.raises(DBAPIError, match="conflict_zones_validity"):
        _insert_zone(connection, valid_to="'2024-01-01T00:00:00Z'", end_basis="'stated'")
    _insert_zone(connection, valid_to="'2025-06-01T00:00:00Z'", end_basis="'unconfirmed'")


def test_incident_and_engagement_rules(connection: Connection) -> None:
    point = "ST_SetSRID(ST_MakePoint(45.7, 43.39), 4326)"
    base = (
        "INSERT INTO incidents (id, event, kind, occurred_at, published_at, sources, certainty,"
        " geom) VALUES ('i1', 'e1', '{kind}', '2024-12-25T05:13Z', '{published}',"
        " ARRAY['https://example.org'], 'high', {geom})"
    )
    for kind, geom, published, message in [
        ("shot", point, "2024-12-26Z", "incidents_kind_check"),
        (
            "hit",
            "ST_SetSRID(ST_MakePoint(45.7, 95), 4326)",
            "2024-12-26Z",
            "incidents_geom_in_range",
        ),
        # Reported the day before it happened: refused (the same day, at any hour, is allowed).
        ("hit", point, "2024-12-24T23:59Z", "incidents_published_after_event"),
    ]:
        with pytest.raises(DBAPIError, match=message), connection.begin_nested():
            connection.execute(text(base.format(kind=kind, geom=geom, published=published)))
    with connection.begin_nested():
        connection.execute(text(base.format(kind="hit", geom=point, published="2024-12-25T00:00Z")))
    with pytest.raises(DBAPIError, match="engagement_areas_system_fkey"), connection.begin_nested():
        connection.execute(
            text(
                "INSERT INTO engagement_areas (id, name, system, site, radius_nm, site_basis,"
                " published_at, valid_from, end_basis, threat, issuer, instrument, sources,"
                " certainty, geom) VALUES ('a1', 'A', 'no-such-system', "
                f"{point}, 10, 'reported', '2024-12-26Z', '2024-12-25Z', 'until_further_notice',"
                " 't', 'JIT', 'report', ARRAY['https://example.org'], 'low', "
                f"ST_Multi(ST_Buffer({point}, 0.1)))"
            )
        )


def test_update_touches_updated_at_and_bumps_data_version(connection: Connection) -> None:
    _insert_zone(connection)
    version = connection.execute(text("SELECT data_version FROM dataset_state")).scalar_one()
    connection.execute(text("UPDATE conflict_zones SET updated_at = '2000-01-01Z', level = 1"))
    row = connection.execute(text("SELECT updated_at, created_at FROM conflict_zones")).one()
    assert row.updated_at.year > 2000
    after = connection.execute(text("SELECT data_version FROM dataset_state")).scalar_one()
    assert after == version + 1
    connection.execute(text("UPDATE conflict_zones SET level = 1 WHERE id = 'none'"))
    unchanged = connection.execute(text("SELECT data_version FROM dataset_state")).scalar_one()
    assert unchanged == after
