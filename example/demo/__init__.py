"""The example site: a small file browser over Django's default storage."""
