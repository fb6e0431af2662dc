"""Routes: waypoints, airports, ICAO notation, the geodesic path, vertical and time profiles."""
