"""One module per test server; each defines ``SPECS: dict[str, ServerSpec]``."""
