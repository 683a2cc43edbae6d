"""The field in a ModelForm: saving the instance moves the upload server-side to the model
field's name; a form shown again keeps the upload; a confirmation for another field is refused."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.core.files.storage import default_storage, storages
from django.db import connection, models
from django.test import override_settings

from storages.direct import DirectUpload, DirectUploadField
from tests.direct.conftest import Uploader

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 64


class Document(models.Model):
    title = models.CharField(max_length=20)
    file = models.FileField(upload_to="documents/")

    class Meta:
        app_label = "storages_testing"

    def __str__(self) -> str:
        return self.title


class DocumentForm(forms.ModelForm):
    file = DirectUploadField(max_size=1024 * 1024, content_types=["application/pdf"])

    class Meta:
        model = Document
        fields = ["title", "file"]


@pytest.fixture
def documents(transactional_db: Any) -> Any:
    with connection.schema_editor() as editor:
        editor.create_model(Document)
    yield Document
    with connection.schema_editor() as editor:
        editor.delete_model(Document)


def _pending() -> list[str]:
    return [entry.name for entry in storages["default"].listing("direct-uploads")]


def test_saving_the_model_moves_the_upload(
    s3_default: dict[str, Any], uploader: Uploader, documents: Any, count_requests: Any
) -> None:
    policy = DocumentForm().fields["file"].policy.dumps()  # type: ignore[attr-defined]
    value = uploader.upload(policy, "report.pdf", PDF, "application/pdf")
    form = DocumentForm(data={"title": "Q3", "file": value})
    assert form.is_valid(), form.errors
    assert isinstance(form.cleaned_data["file"], DirectUpload)
    counter = count_requests(storages["default"])
    document = form.save()
    sent = counter.take()

    # A server-side copy and a delete: the bytes never came back through Django.
    assert sent.get("CopyObject") == 1 and "GetObject" not in sent and "PutObject" not in sent
    assert document.file.name == "documents/report.pdf"
    assert Document.objects.get().file.name == "documents/report.pdf"
    with default_storage.open("documents/report.pdf", "rb") as handle:
        assert handle.read() == PDF
    assert storages["default"].stat("documents/report.pdf").content_type == "application/pdf"
    assert _pending() == []


def test_a_form_shown_again_keeps_the_upload(
    s3_default: dict[str, Any], uploader: Uploader, documents: Any
) -> None:
    policy = DocumentForm().fields["file"].policy.dumps()  # type: ignore[attr-defined]
    value = uploader.upload(policy, "report.pdf", PDF, "application/pdf")
    form = DocumentForm(data={"title": "", "file": value})  # the title is missing
    assert not form.is_valid()
    html = str(form["file"])
    assert f'value="{value}"' in html
    assert "Uploaded report.pdf." in html
    assert len(_pending()) == 1  # nothing moved until the form is valid
    again = DocumentForm(data={"title": "Q3", "file": value})
    assert again.is_valid(), again.errors
    assert again.save().file.name == "documents/report.pdf"


def test_a_confirmation_outside_the_field_limits_is_refused_and_deleted(
    s3_default: dict[str, Any], uploader: Uploader
) -> None:
    loose = DirectUploadField()  # any type, 5 GiB
    value = uploader.upload(loose.policy.dumps(), "page.html", b"<p>hi</p>", "text/html")
    form = DocumentForm(data={"title": "Q3", "file": value})
    assert not form.is_valid()
    assert "text/html" in str(form.errors["file"])
    assert _pending() == []  # the refused upload is nobody's: deleted


@override_settings(STATIC_URL="/static/")
def test_the_widget_renders_no_inline_script(s3_default: dict[str, Any]) -> None:
    html = str(DocumentForm()["file"])
    assert '<script type="module" src="/static/storages/direct.js"></script>' in html
    assert "<script>" not in html and " style=" not in html and " on" not in html.lower()
    assert 'accept="application/pdf"' in html
    assert "name=" not in html.split('type="file"', 1)[1].split(">", 1)[0]  # never posted
