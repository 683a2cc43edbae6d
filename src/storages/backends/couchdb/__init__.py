"""The CouchDB backend: each file a document with its content as an attachment."""

from storages.backends.couchdb.options import CouchDBOptions
from storages.backends.couchdb.storage import CouchDBStorage

__all__ = ["CouchDBOptions", "CouchDBStorage"]
