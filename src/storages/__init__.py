"""Storage backends for Django."""

__all__ = ["__version__"]

__version__ = "2.0.0.dev0"
