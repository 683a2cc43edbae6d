"""The site the browser tests drive: one upload form per storage and field profile, the direct
upload views, and the download view with a permission hook (the live server serves the
package's static files).

Every page carries a strict Content-Security-Policy (no inline script or style; scripts,
styles and requests only from the site itself, plus the storages' origins for ``connect-src``):
the widget must work under it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.urls import URLPattern, URLResolver, include, path
from django.utils.html import escape

from storages.direct import DirectUploadField
from storages.views import serve

MiB = 1024 * 1024

#: Field settings by name.
PROFILES: dict[str, dict[str, Any]] = {
    # Large files: S3 takes up to 16 MiB in one POST, larger ones in 16 MiB parts.
    "big": {"max_size": 200 * MiB},
    # Small pieces, so that a 12 MiB file is three: an interrupted upload has pieces to keep.
    "pieces": {"max_size": 64 * MiB, "chunk_size": 5 * MiB},
    # A field with limits to break: at most 4 MiB, PNG images or binary data only.
    "strict": {"max_size": 4 * MiB, "content_types": ["image/png", "application/octet-stream"]},
}


def strict_csp(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[..., Any]:
    """Add a strict Content-Security-Policy to every answer."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        connect = getattr(settings, "BROWSER_TEST_CONNECT_SRC", "")
        response["Content-Security-Policy"] = (
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self' {connect}; form-action 'self'; base-uri 'none'"
        )
        return response

    return middleware


def form_class(alias: str, profile: str) -> type[forms.Form]:
    """Return a form with one direct-upload field on *alias* with *profile*'s settings."""
    field = DirectUploadField(storage=alias, **PROFILES[profile])
    return type("UploadForm", (forms.Form,), {"file": field})


def _page(request: HttpRequest, form: forms.Form, status: int = 200) -> HttpResponse:
    errors = "".join(f"<li>{escape(e)}</li>" for e in form.errors.get("file", []))
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Upload</title>
<link rel="icon" href="data:,">{form.media}</head>
<body><form method="post">
<input type="hidden" name="csrfmiddlewaretoken" value="{get_token(request)}">
<ul class="errorlist">{errors}</ul>
<label for="id_file">File</label> {form["file"]}
<button type="submit">Send</button>
</form></body></html>"""
    return HttpResponse(html, status=status)


def upload_form(request: HttpRequest, alias: str, profile: str) -> HttpResponse:
    """Show the form; on a valid POST, move the upload to ``uploaded/<name>``."""
    cls = form_class(alias, profile)
    if request.method != "POST":
        return _page(request, cls())
    form = cls(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    upload = form.cleaned_data["file"]
    saved = upload.save_as(f"uploaded/{upload.name}")
    return HttpResponse(
        f'<!doctype html><title>Saved</title><link rel="icon" href="data:,">'
        f'<p id="saved">{escape(saved)}</p>'
        f'<p id="size">{upload.size}</p>'
    )


def may_read(request: HttpRequest, storage: Any, name: str) -> bool:
    """The download permission of the test site: a cookie says who may read."""
    return request.COOKIES.get("may-read") == "yes"


urlpatterns: list[URLPattern | URLResolver] = [
    path("form/<str:alias>/<str:profile>/", upload_form),
    path("direct/", include("storages.direct.urls")),
    path("files/<str:storage>/<path:name>", serve, {"permission": may_read}),
]
