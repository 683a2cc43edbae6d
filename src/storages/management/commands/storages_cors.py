"""``manage.py storages_cors --origin URL``: the CORS rule direct uploads need, printed or set.

Prints, for each ``--storage`` alias (default: ``default``), the rule its service needs so that
pages of the ``--origin`` URLs may upload to it, in the service's own format (JSON), and where
it goes; ``--apply`` sets it (S3: the bucket's CORS configuration; Azure: the Blob service's
CORS rules, for the whole account; Cloud Storage: the bucket's ``cors``), keeping other rules.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError, CommandParser

from storages.direct.cors import apply_rule, rule_for

__all__ = ["Command"]


class Command(BaseCommand):
    help = "Print (or --apply) the CORS rule a storage needs for direct browser uploads."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--origin",
            action="append",
            required=True,
            help="an origin of the site's pages, e.g. https://www.example.com (repeatable)",
        )
        parser.add_argument(
            "--storage",
            action="append",
            help="a STORAGES alias (repeatable; default: default)",
        )
        parser.add_argument("--apply", action="store_true", help="set the rule on the service")

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options["verbosity"] == 0
        origins = [origin.rstrip("/") for origin in options["origin"]]
        for origin in origins:
            if not origin.startswith(("http://", "https://")) or origin.count("/") != 2:
                raise CommandError(f"{origin!r} is not an origin (scheme://host[:port])")
        for alias in options["storage"] or ["default"]:
            try:
                storage = storages[alias]
            except Exception as exc:
                raise CommandError(f"No storage {alias!r}: {exc}") from exc
            found = rule_for(storage, origins)
            if found is None:
                if quiet:
                    continue
                self.stdout.write(
                    f"{alias}: {type(storage).__name__} takes uploads through this site "
                    "(the streaming view): no CORS rule is needed."
                )
                continue
            rule, where = found
            if not quiet:
                self.stdout.write(f"{alias}: {type(storage).__name__}, {where}:")
                self.stdout.write(json.dumps(rule, indent=2))
            if options["apply"]:
                apply_rule(storage, origins)
                if not quiet:
                    self.stdout.write(self.style.SUCCESS(f"{alias}: applied."))
