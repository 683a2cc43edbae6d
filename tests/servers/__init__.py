"""Stand-in servers for services that have no emulator (each runs as a separate process)."""
