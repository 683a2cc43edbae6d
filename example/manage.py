#!/usr/bin/env python
"""Run Django management commands for the example site."""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Run the management command given on the command line."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
