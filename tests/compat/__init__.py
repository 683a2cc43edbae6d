"""django-storages 1.14 user code, unchanged, against the real servers (issue 14)."""
