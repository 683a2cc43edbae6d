"""Shared fixtures of the test suite; the test-server harness is the tests.harness plugin."""
