"""pytest plugin of the test-server harness (filled in below)."""
