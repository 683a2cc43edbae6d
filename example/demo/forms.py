"""Forms of the example site."""

from __future__ import annotations

from django import forms


class UploadForm(forms.Form):
    """Take one file to save in the default storage."""

    file = forms.FileField(label="File")
