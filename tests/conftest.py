"""Shared fixtures of the test suite; the test-server harness is the tests.harness plugin."""

pytest_plugins = ["tests.s3_fixtures"]
