"""The HTTP face: thin routers over the core and the store."""
