"""S3 storages for static files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextvars import ContextVar
from re import Match
from typing import Any
from urllib.parse import quote

from django.contrib.staticfiles.storage import ManifestFilesMixin

from storages.backends.s3.storage import S3Storage

__all__ = ["S3ManifestStaticStorage", "S3StaticStorage"]

# Set while Django rewrites the references inside a CSS or JS file (see url_converter).
_rewriting_references: ContextVar[bool] = ContextVar("_rewriting_references", default=False)


class S3StaticStorage(S3Storage):
    """Static files on S3: unsigned URLs, so pages and caches see stable addresses."""

    querystring_auth = False

    def security_warnings(self) -> list[tuple[str, str]]:
        """Unsigned URLs are the point of a static storage: no W102 here."""
        return [w for w in super().security_warnings() if w[0] != "storages.W102"]


class S3ManifestStaticStorage(ManifestFilesMixin, S3StaticStorage):  # type: ignore[misc]
    """Static files on S3 with hashed names recorded in a manifest.

    The references written into the hashed CSS and JS files never expire: they are relative
    to the file that contains them (or under ``STATIC_URL`` where the source wrote them so),
    even when ``querystring_auth`` signs the URLs ``url()`` gives templates.
    """

    def post_process(
        self, paths: dict[str, Any], dry_run: bool = False, **options: Any
    ) -> Iterator[tuple[str, str, bool] | tuple[str, None, RuntimeError]]:
        """Hash and rewrite the files as Django does, through a synchronising view.

        Django deletes and saves every adjustable file (CSS, JS) again on each run; through the
        view (one listing), a hashed name that already holds the same content is neither
        deleted nor written, whichever ``collectstatic`` command runs, and the hashed copies
        upload in the background while the next files are hashed (the manifest last).
        """
        if dry_run or hasattr(self, "sync_index"):  # a view already (our collectstatic's)
            yield from super().post_process(paths, dry_run, **options)
            return
        with self.synchronizing() as view:
            hashing: Any = view
            yield from hashing.post_process(paths, dry_run, **options)

    def url_converter(
        self, name: str, hashed_files: dict[str, Any], *args: Any, **kwargs: Any
    ) -> Callable[[Match[str]], str]:
        """Return Django's converter of the references in *name*, asking for no signed URL."""
        convert = super().url_converter(name, hashed_files, *args, **kwargs)

        def converter(matchobj: Match[str]) -> str:
            token = _rewriting_references.set(True)
            try:
                return convert(matchobj)
            finally:
                _rewriting_references.reset(token)

        return converter

    def _object_url(self, key: str, *args: Any, **kwargs: Any) -> str:
        if _rewriting_references.get():
            # Django keeps only the last segment of this URL (the hashed file name) and joins
            # it to the reference's own directory, so the key is all it needs. The last
            # segment of a presigned URL is a piece of its query string (after a "/" in the
            # credential or the signature): 1.14.6 wrote "../img/yeA=&Expires=1796553424".
            return quote(key, safe="/~")
        return super()._object_url(key, *args, **kwargs)
