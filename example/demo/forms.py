"""Forms of the example site."""

from __future__ import annotations

from django import forms

from storages.direct import DirectUploadField


class UploadForm(forms.Form):
    """Take one file to save in the default storage."""

    file = forms.FileField(label="File")


class DirectUploadForm(forms.Form):
    """Take one file the browser uploads straight to the default storage."""

    file = DirectUploadField(label="File", storage="default")
