"""The form field of a direct upload.

``DirectUploadField`` works in any form and in the admin (``formfield_overrides``). It cleans
the submitted key, signed by the complete view, into a :class:`~storages.direct.uploads.
DirectUpload` after checking again that the stored object exists, lies under this field's
pending prefix in this field's storage, and is within its size and content-type limits (an
object that is not is deleted).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.storage import storages

from storages.direct.policy import Refused, UploadPolicy, read_confirmation
from storages.direct.uploads import DirectUpload, check_stored
from storages.direct.widgets import DirectUploadWidget

__all__ = ["DirectUploadField"]


class DirectUploadField(forms.FileField):
    """A file uploaded by the browser straight to *storage* (a ``STORAGES`` alias).

    *max_size* and *min_size* are in bytes, *content_types* are exact types or patterns
    (``"image/*"``), *chunk_size* is the piece size of large uploads and *expire* how many
    seconds the browser's signatures stay valid; unset, they come from the
    ``STORAGES_DIRECT_*`` settings.
    """

    widget = DirectUploadWidget
    default_error_messages = {
        "refused": "%(reason)s",
        "elsewhere": "This upload was not made for this field; choose the file again.",
    }

    def __init__(
        self,
        *,
        storage: str = "default",
        max_size: int | None = None,
        min_size: int = 1,
        content_types: Iterable[str] = (),
        chunk_size: int | None = None,
        expire: int | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("allow_empty_file", None)  # min_size says it
        super().__init__(**kwargs)
        self.policy = UploadPolicy(
            storage=storage,
            max_size=max_size or 0,
            min_size=min_size,
            content_types=tuple(content_types),
            chunk_size=chunk_size or 0,
            expire=expire or 0,
        )
        self.widget.policy = self.policy

    def to_python(self, data: Any) -> DirectUpload | None:
        if not data:
            return None
        if isinstance(data, DirectUpload):
            return data
        try:
            alias, name = read_confirmation(str(data))
        except Refused as exc:
            raise ValidationError(
                self.error_messages["refused"], code="refused", params={"reason": str(exc)}
            ) from None
        if alias != self.policy.storage or not name.startswith(self.policy.prefix + "/"):
            raise ValidationError(self.error_messages["elsewhere"], code="elsewhere")
        storage = storages[alias]
        try:
            size, content_type = check_stored(storage, name, self.policy)
        except Refused as exc:
            if exc.status != 409:  # there, but not acceptable here: it is nobody's now
                storage.delete(name)
            raise ValidationError(
                self.error_messages["refused"], code="refused", params={"reason": str(exc)}
            ) from None
        return DirectUpload(storage, name, size, content_type)

    def bound_data(self, data: Any, initial: Any) -> Any:
        return initial if data is None else data

    def has_changed(self, initial: Any, data: Any) -> bool:
        return not self.disabled and bool(data)
