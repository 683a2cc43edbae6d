"""Direct-to-storage browser uploads: a form field whose widget sends the file to the storage.

See the "Direct uploads" page of the documentation. The pieces, one idea per module:
``fields`` and ``widgets`` (the form side), ``policy`` (limits and signed tokens), ``signing``
with one module per backend that signs (``s3``, ``azure``, ``gcs``) and ``stream`` for those
that cannot, ``views`` and ``urls`` (the HTTP side), ``uploads`` and ``moving`` (a checked upload
and its move to the final name), ``cleanup`` and ``cors`` (what the management commands run),
``downloads`` (short-lived signed URLs for ``storages.views.serve``).
"""

from __future__ import annotations

from storages.direct.fields import DirectUploadField
from storages.direct.policy import UploadPolicy
from storages.direct.uploads import DirectUpload
from storages.direct.widgets import DirectUploadWidget

__all__ = ["DirectUpload", "DirectUploadField", "DirectUploadWidget", "UploadPolicy"]
