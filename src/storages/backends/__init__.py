"""Storage backends. Import a backend from its own module; this package imports none."""
