"""The widget of a direct upload: a file input with no name, and a hidden input for the key.

The file input never reaches the form's POST: the ES module ``storages/direct.js`` uploads the
chosen file straight to the storage (or, where the backend cannot sign, to the streaming view),
with a progress bar, and puts the confirmed key into the hidden input, which is all the form
submits. The module is a static file loaded with ``<script type="module" src=...>``: no inline
script or style, so the page can keep a strict Content-Security-Policy.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.datastructures import MultiValueDict

from storages.direct.policy import Refused, UploadPolicy, read_confirmation

__all__ = ["DirectUploadWidget"]


class DirectUploadWidget(forms.Widget):
    """Upload a file straight to the storage; submit its confirmed key."""

    template_name = "storages/direct/widget.html"
    needs_multipart_form = False
    #: What the field accepts (set by :class:`~storages.direct.fields.DirectUploadField`).
    policy: UploadPolicy | None = None

    class Media:
        css = {"all": ["storages/direct.css"]}

    def value_from_datadict(
        self, data: Mapping[str, Any], files: MultiValueDict[str, Any], name: str
    ) -> Any:
        return data.get(name) or None

    def value_omitted_from_data(
        self, data: Mapping[str, Any], files: MultiValueDict[str, Any], name: str
    ) -> bool:
        return name not in data

    def use_required_attribute(self, initial: Any) -> bool:
        # The file input stays empty once a file is uploaded: the field checks "required".
        return False

    def format_value(self, value: Any) -> str | None:
        # Only a confirmation goes back into the hidden input (a re-displayed bound form).
        return value if isinstance(value, str) and value else None

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        policy = self.policy or UploadPolicy()
        current = None
        if isinstance(value, str) and value:
            try:
                current = posixpath.basename(read_confirmation(value)[1])
            except Refused:
                context["widget"]["value"] = None  # stale: the user chooses the file again
        elif isinstance(value, File) and value.name:
            current = value.name
        try:
            urls = {
                "sign_url": reverse("storages_direct:sign"),
                "complete_url": reverse("storages_direct:complete"),
            }
        except NoReverseMatch:
            raise ImproperlyConfigured(
                "DirectUploadWidget needs the upload views: add "
                'path("uploads/", include("storages.direct.urls")) to your URLconf'
            ) from None
        context["widget"].update(
            {
                **urls,
                "policy": policy.dumps(),
                "accept": ",".join(policy.content_types),
                "max_size": policy.max_size,
                "min_size": policy.min_size,
                "current": current,
                "script": static("storages/direct.js"),
            }
        )
        return context
