"""The same navigation data in either format resolves a filed route to the same waypoints:
the test world written as ARINC 424 and as X-Plane files by the test writers, read back by the
service's readers, and one route (with an airway, a level change and same-named fixes) resolved
against each. The expected points are the world's own, read off its definition."""

from pathlib import Path

import pytest

from app.core.flightplan.resolve import resolve_filed_route
from app.core.navdata.arinc424 import read_arinc424_file
from app.core.navdata.index import NavdataIndex
from app.core.navdata.xplane import read_xplane_files
from tests import navdata_world as w
from tests.navdata_arinc_writer import write_arinc424
from tests.navdata_xplane_writer import write_xplane

ROUTE = "EGLL N0488F350 DCT DVR L9 KONAN/N0480F370 UL607 SPI DCT OMDB"


@pytest.fixture(scope="module")
def indexes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, NavdataIndex]:
    """The world read back from each format."""
    folder: Path = tmp_path_factory.mktemp("navdata")
    write_arinc424(w.world(), folder / "world.pc")
    (folder / "xplane").mkdir()
    xplane = write_xplane(w.world(), folder / "xplane")
    return {
        "arinc424": NavdataIndex.of(read_arinc424_file(folder / "world.pc")),
        "xplane": NavdataIndex.of(read_xplane_files(xplane)),
    }


def test_both_formats_give_the_same_waypoints(indexes: dict[str, NavdataIndex]) -> None:
    resolved = {
        name: resolve_filed_route(ROUTE, None, None, index) for name, index in indexes.items()
    }
    expected = [w.DVR, w.KONAN, w.KOK, w.REMBA, w.SPI]
    for route in resolved.values():
        assert route.errors == []
        assert route.cycle == "2612"
        middle = route.points[1:-1]
        assert [(p.name, p.region) for p in middle] == [(f.ident, f.region) for f in expected]
        for point, fix in zip(middle, expected, strict=True):
            assert (point.lat, point.lon) == pytest.approx((fix.lat, fix.lon), abs=1e-6)
    arinc, xplane = resolved["arinc424"].points, resolved["xplane"].points
    assert [(p.name, p.source, p.level_ft, p.speed) for p in arinc] == [
        (p.name, p.source, p.level_ft, p.speed) for p in xplane
    ]
