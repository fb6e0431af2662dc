"""Pure domain core: no database, no HTTP; tests call it directly."""
