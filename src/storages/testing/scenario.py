"""The documentation's "Tests" scenario, replayed on any storage.

The 1.x documentation shows it as a doctest of Python 2 era Django; this is the same sequence of
steps with today's results: bytes from binary reads and a random suffix
(``tests/django_test_AbC1234.txt``) for a clashing name, unless the storage is configured to
overwrite.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from storages.testing.models import MyStorage, scenario_storage

__all__ = ["DocumentationScenario"]


class DocumentationScenario:
    """Mixin holding the scenario test; needs the ``storage`` fixture and a database."""

    @pytest.mark.django_db
    def test_documentation_scenario(self, storage: Storage) -> None:
        with scenario_storage.use(storage):
            self._run_scenario(storage)

    def _run_scenario(self, storage: Storage) -> None:
        storage.save("tests/default.txt", ContentFile("default content"))
        overwrites = storage.get_available_name("tests/default.txt") == "tests/default.txt"

        # An object without a file has limited functionality.
        obj1 = MyStorage()
        assert repr(obj1.normal) == "<FieldFile: None>"
        with pytest.raises(ValueError, match="The 'normal' attribute has no file associated"):
            _ = obj1.normal.size

        # Saving a file enables full functionality.
        obj1.normal.save("django_test.txt", ContentFile("content"))
        assert repr(obj1.normal) == "<FieldFile: tests/django_test.txt>"
        assert obj1.normal.size == 7
        assert obj1.normal.read() == b"content"
        obj1.normal.close()

        # Files can be read in a little at a time, if necessary.
        obj1.normal.open()
        assert obj1.normal.read(3) == b"con"
        assert obj1.normal.read() == b"tent"
        assert b"-".join(obj1.normal.chunks(chunk_size=2)) == b"co-nt-en-t"
        obj1.normal.close()

        # Save another file with the same name.
        obj2 = MyStorage()
        obj2.normal.save("django_test.txt", ContentFile("more content"))
        second_name = str(obj2.normal.name)
        if overwrites:
            assert second_name == "tests/django_test.txt"
        else:
            assert re.fullmatch(r"tests/django_test_\w{7}\.txt", second_name), second_name
        assert obj2.normal.size == 12
        obj2.normal.close()

        # Push the objects into the cache to make sure they pickle properly.
        cache.set("obj1", obj1)
        cache.set("obj2", obj2)
        restored = cache.get("obj2")
        assert restored.normal.name == second_name
        assert restored.normal.read() == b"more content"
        restored.normal.close()

        # Deleting an object deletes the file it uses... only if asked: the file stays.
        obj2.save()
        obj2.delete()
        assert storage.exists(second_name)
        obj2.normal.save("django_test.txt", ContentFile("more content"))
        if overwrites:
            assert obj2.normal.name == "tests/django_test.txt"
        else:
            assert re.fullmatch(r"tests/django_test_\w{7}\.txt", str(obj2.normal.name))
        obj2.normal.close()

        # Default values allow an object to access a single file.
        obj3 = MyStorage.objects.create()
        assert repr(obj3.default) == "<FieldFile: tests/default.txt>"
        assert obj3.default.read() == b"default content"
        obj3.default.close()

        # But it shouldn't be deleted, even if there are no more objects using it.
        obj3.delete()
        obj3 = MyStorage()
        assert obj3.default.read() == b"default content"
        obj3.default.close()

        # The directory of an upload_to callable is determined only once (Django #5655).
        obj4 = MyStorage()
        obj4.random.save("random_file", ContentFile("random content"))
        random_name = str(obj4.random.name)
        assert re.fullmatch(r"\d{3}/random_file", random_name), random_name
        assert storage.exists(random_name)
        obj4.random.close()

        # Clean up the temporary files.
        names = [str(f.name) for f in (obj1.normal, obj2.normal, obj3.default, obj4.random)]
        obj1.normal.delete()
        obj2.normal.delete()
        obj3.default.delete()
        obj4.random.delete()
        for name in names:
            assert not storage.exists(name), name
        storage.delete(second_name)
