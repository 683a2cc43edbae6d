"""Shared fixtures of the test suite; the test-server harness is the tests.harness plugin."""

pytest_plugins = ["tests.backends.s3.fixtures"]
