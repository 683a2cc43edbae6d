"""``storages.views.serve``: a short-lived signed URL where the backend signs (Azure, Cloud
Storage; S3 in the browser tests), the file streamed where the URL would not expire, and the
permission hook from the setting."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.http import StreamingHttpResponse
from django.test import RequestFactory, override_settings

from storages.backends.azure import AzureStorage
from storages.backends.gcs import GoogleCloudStorage
from storages.backends.s3 import S3Storage
from storages.views import serve
from tests.backends.azure.conftest import CONTAINER, azurite  # noqa: F401
from tests.backends.gcs.conftest import BUCKET, PROJECT, emulator, gcs_server, local_credentials  # noqa: F401
from tests.harness.servers import RunningServer
from tests.harness.specs.azurite import connection_string

CONTENT = b"quarterly numbers\n" * 100


def _get(storage: Any, name: str, **kwargs: Any) -> Any:
    return serve(RequestFactory().get(f"/files/{name}"), name, storage, **kwargs)


def test_azure_redirects_to_a_sas_url(azurite: RunningServer) -> None:  # noqa: F811
    storage = AzureStorage(connection_string=connection_string(azurite), azure_container=CONTAINER)
    storage.save("serve/q3.txt", ContentFile(CONTENT))
    response = _get(storage, "serve/q3.txt")
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    assert "sp=r" in response["Location"] and "sig=" in response["Location"]
    storage.delete("serve/q3.txt")
    storage.close()


def test_cloud_storage_redirects_to_a_signed_url(emulator: RunningServer) -> None:  # noqa: F811
    storage = GoogleCloudStorage(
        bucket_name=BUCKET, project_id=PROJECT, credentials=local_credentials()
    )
    storage.save("serve/q3.txt", ContentFile(CONTENT))
    response = _get(storage, "serve/q3.txt")
    assert response.status_code == 302
    assert "X-Goog-Expires=60&" in response["Location"]
    storage.delete("serve/q3.txt")
    storage.close()


def test_an_unsigned_url_is_never_handed_out(s3_options: dict[str, Any]) -> None:
    # querystring_auth=False: url() would be a lasting public URL; the view streams instead.
    storage = S3Storage(**s3_options, querystring_auth=False)
    storage.save("q3.txt", ContentFile(CONTENT))
    response = _get(storage, "q3.txt")
    assert isinstance(response, StreamingHttpResponse)
    assert b"".join(response.streaming_content) == CONTENT  # type: ignore[arg-type]
    assert response["ETag"].startswith('"') and response["Content-Length"] == str(len(CONTENT))


def deny_all(request: Any, storage: Any, name: str) -> bool:
    return False


@override_settings(STORAGES_SERVE_PERMISSION="tests.direct.test_serve.deny_all")
def test_the_permission_setting_is_the_default_hook(s3_options: dict[str, Any]) -> None:
    storage = S3Storage(**s3_options)
    with pytest.raises(PermissionDenied):
        _get(storage, "q3.txt")
    allowed = _get(storage, "q3.txt", permission=lambda request, storage, name: True)
    assert allowed.status_code == 302
