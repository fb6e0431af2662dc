"""PostGIS storage: tables, engine, and the queries the service runs."""
