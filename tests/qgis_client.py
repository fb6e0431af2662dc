"""QGIS as the GIS client, headless: run with Debian's Python, which has QGIS (`python3-qgis`):

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis_client.py BASE_URL

It opens the service as an analyst does — the OGC API – Features layer (OAPIF provider), the
GeoPackage download from its URL, the vector tiles — and prints one JSON object of what QGIS
read (field types, ids, ids under expressions, rendered pixels) for tests/test_qgis_client.py
to compare with PostGIS. It runs in a process of its own: QGIS needs its own application
object and main thread, and waits on the server synchronously."""

import json
import sys
from typing import Any

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsFeatureRequest,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsRectangle,
    QgsVectorLayer,
    QgsVectorTileLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

# Expressions an analyst types in QGIS, keyed by name; the test has the same in SQL.
EXPRESSIONS = {
    "starts_after_2022": "\"valid_from\" > to_datetime('2022-01-01T00:00:00Z')",
    "ended_before_2020": "\"valid_to\" < to_datetime('2020-01-01T00:00:00Z')",
    "high_floor": '"lower_ft" >= 32000',
    "easa_level_1": '"issuer" = \'EASA\' AND "level" = 1',
    "in_force_2024_12_25": "\"valid_from\" <= to_datetime('2024-12-25T00:00:00Z') AND "
    '("valid_to" IS NULL OR "valid_to" > to_datetime(\'2024-12-25T00:00:00Z\'))',
}
TYPED_FIELDS = ("lower_ft", "upper_ft", "level", "valid_from", "valid_to", "permits_above")


def _fields(layer: QgsVectorLayer) -> dict[str, str]:
    """Each field's QGIS type name (Integer, Integer64, DateTime, Boolean, String, …)."""
    fields = layer.fields()
    return {name: fields.field(name).typeName() for name in TYPED_FIELDS if name in fields.names()}


def _ids(layer: QgsVectorLayer, expression: str | None = None) -> list[str]:
    """The ids of the features QGIS reads, under an expression if given."""
    request = QgsFeatureRequest()
    if expression is not None:
        request.setFilterExpression(expression)
    return sorted(str(feature["id"]) for feature in layer.getFeatures(request))


def _layer_report(layer: QgsVectorLayer) -> dict[str, Any]:
    """What QGIS reads from a layer: validity, types, ids, ids per expression."""
    if not layer.isValid():
        return {"valid": False, "error": layer.error().summary()}
    return {
        "valid": True,
        "fields": _fields(layer),
        "ids": _ids(layer),
        "expressions": {name: _ids(layer, text) for name, text in EXPRESSIONS.items()},
    }


def _subset_report(base: str) -> dict[str, Any]:
    """A layer with a subset (the provider's filter, as set in the layer's properties)."""
    layer = QgsVectorLayer(f"url='{base}' typename='conflict_zones'", "subset", "OAPIF")
    accepted = layer.setSubsetString('"lower_ft" >= 32000')
    return {"accepted": accepted, "ids": _ids(layer)}


# Map extents in Web Mercator metres: Ukraine and the Black Sea (lon 22..41, lat 43..53), and
# the middle of the South Atlantic (lon -30..-20, lat -30..-20), where no advisory lies.
EXTENTS = {
    "ukraine": (2449042.0, 5311972.0, 4564099.0, 6982997.0),
    "south_atlantic": (-3339585.0, -3503549.0, -2226390.0, -2273031.0),
}


def _rendered_pixels(layer: QgsVectorTileLayer | QgsVectorLayer, extent: str) -> int:
    """How many of a 128 × 128 sample of a 512 px map's pixels the layer paints."""
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    settings.setExtent(QgsRectangle(*EXTENTS[extent]))
    settings.setOutputSize(QSize(512, 512))
    settings.setBackgroundColor(QColor(255, 255, 255, 0))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    return sum(
        1
        for x in range(0, image.width(), 4)
        for y in range(0, image.height(), 4)
        if QColor.fromRgba(image.pixel(x, y)).alpha() > 0
    )


def main(base: str) -> dict[str, Any]:
    """Everything QGIS reads from the service at base."""
    zones = QgsVectorLayer(f"url='{base}' typename='conflict_zones'", "zones", "OAPIF")
    download = QgsVectorLayer(
        f"/vsicurl/{base}/collections/conflict_zones/items.gpkg", "download", "ogr"
    )
    tiles = QgsVectorTileLayer(
        f"type=xyz&url={base}/tiles/conflict_zones/{{z}}/{{x}}/{{y}}.mvt&zmin=0&zmax=10",
        "tiles",
    )
    return {
        "oapif": _layer_report(zones),
        "gpkg": _layer_report(download),
        "subset": _subset_report(base),
        "tiles_valid": tiles.isValid(),
        "pixels": {
            f"{name}_{extent}": _rendered_pixels(layer, extent)
            for name, layer in (("tiles", tiles), ("oapif", zones))
            for extent in EXTENTS
        },
    }


if __name__ == "__main__":
    application = QgsApplication([], False)
    application.initQgis()
    try:
        print(json.dumps(main(sys.argv[1].rstrip("/"))))
    finally:
        application.exitQgis()
