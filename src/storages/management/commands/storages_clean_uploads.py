"""``manage.py storages_clean_uploads``: remove direct uploads no form confirmed.

For each ``--storage`` alias (default: ``default``), deletes what waits under the pending prefix
(``STORAGES_DIRECT_PENDING_PREFIX``) for longer than ``--older-than`` seconds (default:
``STORAGES_DIRECT_MAX_AGE``, a day, after which a form refuses the upload anyway), aborts S3
multipart uploads and drops staged Azure blocks as old. ``--dry-run`` only lists them. Run it
from cron, or set the lifecycle rule of the documentation on the bucket instead.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError, CommandParser

from storages.direct.cleanup import clean_pending
from storages.direct.policy import setting

__all__ = ["Command"]


class Command(BaseCommand):
    help = "Remove direct uploads that no form confirmed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--storage", action="append", help="a STORAGES alias (repeatable; default: default)"
        )
        parser.add_argument(
            "--older-than",
            type=int,
            default=None,
            help="seconds (default: STORAGES_DIRECT_MAX_AGE)",
        )
        parser.add_argument("--dry-run", action="store_true", help="list, remove nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        seconds = options["older_than"]
        if seconds is None:
            seconds = int(setting("STORAGES_DIRECT_MAX_AGE"))
        if seconds < 0:
            raise CommandError("--older-than must not be negative")
        prefix = str(setting("STORAGES_DIRECT_PENDING_PREFIX")).strip("/")
        verb = "would remove" if options["dry_run"] else "removed"
        for alias in options["storage"] or ["default"]:
            try:
                storage = storages[alias]
            except Exception as exc:
                raise CommandError(f"No storage {alias!r}: {exc}") from exc
            removed = clean_pending(
                storage, prefix, timedelta(seconds=seconds), dry_run=options["dry_run"]
            )
            for name in removed:
                self.stdout.write(f"{alias}: {verb} {name}")
            self.stdout.write(f"{alias}: {len(removed)} unconfirmed upload(s) {verb}.")
