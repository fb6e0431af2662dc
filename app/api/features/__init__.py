"""OGC API – Features (Part 1: Core, GeoJSON) over the three layers, downloads and tiles."""
