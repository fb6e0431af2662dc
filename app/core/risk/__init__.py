"""Risk along a route: hazards, where they apply, segments and their scores."""
