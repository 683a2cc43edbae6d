"""ImageStorage names images after their real format and refuses what is not an image."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from storages.backends.image import ImageStorage, InvalidImageError


def read_back(storage: Any, name: str, mode: str = "rb") -> Any:
    with storage.open(name, mode) as handle:
        return handle.read()


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [
        ("photo.JPEG", "JPEG", "photos/photo.jpg"),
        ("photo.png", "JPEG", "photos/photo.jpg"),
        ("shot.PNG", "PNG", "photos/shot.png"),
        ("noext", "GIF", "photos/noext.gif"),
        ("archive.tar.bmp", "BMP", "photos/archive.tar.bmp"),
    ],
)
def test_extension_is_normalised(tmp_path: Path, name: str, fmt: str, expected: str) -> None:
    storage = ImageStorage(location=tmp_path)
    data = image_bytes(fmt)
    saved = storage.save(f"photos/{name}", ContentFile(data))
    assert saved == expected
    assert read_back(storage, saved) == data  # rewound after sniffing: nothing lost


def test_uploaded_file_is_sniffed_and_rewound(tmp_path: Path) -> None:
    data = image_bytes("PNG")
    upload = SimpleUploadedFile("avatar.jpeg", data, content_type="image/jpeg")
    saved = ImageStorage(location=tmp_path).save("avatar.jpeg", upload)
    assert saved == "avatar.png"
    assert (tmp_path / saved).read_bytes() == data


def test_not_an_image_is_refused_and_nothing_is_saved(tmp_path: Path) -> None:
    storage = ImageStorage(location=tmp_path)
    with pytest.raises(InvalidImageError, match="not an image"):
        storage.save("evil.jpg", ContentFile(b"<?php system($_GET['c']); ?>"))
    with pytest.raises(ValueError):
        storage.save("empty.png", ContentFile(b""))
    assert os.listdir(tmp_path) == []


def test_max_length_is_honoured(tmp_path: Path) -> None:
    storage = ImageStorage(location=tmp_path)
    saved = storage.save("p" * 40 + ".jpeg", ContentFile(image_bytes("JPEG")), max_length=20)
    assert len(saved) <= 20
    assert saved.endswith(".jpg")


def test_clashing_names_follow_django(tmp_path: Path) -> None:
    storage = ImageStorage(location=tmp_path)
    first = storage.save("x.png", ContentFile(image_bytes("PNG")))
    second = storage.save("x.png", ContentFile(image_bytes("PNG")))
    assert first == "x.png"
    assert second != first and second.endswith(".png")
