"""The airspace-risk command line."""
