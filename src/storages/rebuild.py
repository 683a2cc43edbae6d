"""How a storage is recorded and built again elsewhere, without its secrets leaving it.

Three things copy a storage: migrations record ``deconstruct()``; task queues (Wagtail's
file deletion, for one) send ``deconstruct()`` to a worker that calls
``import_string(path)(*args, **kwargs)``; pickling copies it whole. None of them may carry a
secret, and each copy must reach the same place with the same identity as the original:

* a storage built from a ``STORAGES`` alias deconstructs to that alias
  (``S3Storage(alias="media")``), which reads ``STORAGES["media"]["OPTIONS"]`` again where it is
  rebuilt, secrets included;
* any other storage deconstructs to its constructor keywords without the secrets given in code,
  naming them in ``needs_secrets``: the rebuilt storage refuses to work (``ImproperlyConfigured``
  naming each) until its settings supply them, instead of acting as whatever identity the
  worker's environment happens to have;
* a pickle keeps the constructor keywords (a secret given in code travels with the object that
  holds it) and drops the secrets read from settings, read again where it is loaded.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from storages import secrets
from storages.options import BaseOptions, resolve, secret_keywords, sources_of, spec_of

__all__ = [
    "Rebuildable",
    "alias_of",
    "check_needed_secrets",
    "options_of_alias",
    "pickled_state",
    "restore_state",
    "split_secrets",
]


def _storages_setting() -> Mapping[str, Mapping[str, Any]]:
    return getattr(settings, "STORAGES", None) or {}


def options_of_alias(alias: str, storage_name: str) -> dict[str, Any]:
    """Return the ``OPTIONS`` of ``STORAGES[alias]``, which a rebuilt storage starts from."""
    entry = _storages_setting().get(alias)
    if entry is None:
        raise ImproperlyConfigured(
            f"{storage_name} was rebuilt from the STORAGES alias {alias!r}, which the STORAGES "
            "setting of this process does not define"
        )
    return dict(entry.get("OPTIONS", {}))


def alias_of(storage_cls: type, given: Mapping[str, Any]) -> str | None:
    """Return the ``STORAGES`` alias whose backend and options built this storage, if any."""
    for alias, entry in _storages_setting().items():
        if dict(entry.get("OPTIONS", {})) != dict(given):
            continue
        try:
            backend = import_string(entry.get("BACKEND", ""))
        except ImportError:
            continue
        if backend is storage_cls:
            return alias
    return None


def _unset(options: BaseOptions, field: dataclasses.Field[Any]) -> bool:
    """Return whether no source gave the option a value: empty, or its declared default (an
    SFTP ``params`` of ``{}`` would let paramiko find keys of its own)."""
    value = getattr(options, field.name)
    if value in (None, ""):
        return True
    if field.default_factory is not dataclasses.MISSING:
        return bool(value == field.default_factory())
    return field.default is not dataclasses.MISSING and value == field.default


def check_needed_secrets(options: BaseOptions, needed: Iterable[str], storage_name: str) -> None:
    """Refuse to work without a secret the original storage was given in code."""
    fields = {field.name: field for field in dataclasses.fields(options)}
    missing = [name for name in needed if _unset(options, fields[name])]
    if missing:
        wanted = "; ".join(sources_of(name, spec_of(fields[name])) for name in missing)
        raise ImproperlyConfigured(
            f"{storage_name} was rebuilt from deconstruct() (a migration or a task queue), "
            f"which never records secrets, and the storage it copies was given them in code: "
            f"set {wanted}, or give the storage a STORAGES alias so that its copies read the "
            "same OPTIONS"
        )


def split_secrets(
    options: BaseOptions, given: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Return the constructor keywords *given* without secrets, and the options they set that
    held one (by option name, whichever keyword or alias set them): a secret option, or one
    holding a secret inside (an SSE-C key in S3's ``object_parameters``)."""
    keywords = secret_keywords(type(options))
    explicit = set(secrets.split_given(keywords, given)[0])
    embedded: list[str] = getattr(options, "embedded_secrets", list)()
    named = [
        name
        for name, names in keywords.items()
        if any(given[key] not in (None, "") for key in names & explicit)
    ]
    for key, value in given.items():
        if key not in explicit and embedded and _holds(value, embedded):
            explicit.add(key)
            named.append(key)
    kept = {key: value for key, value in given.items() if key not in explicit}
    return kept, named


def _holds(value: Any, embedded: list[str]) -> bool:
    if isinstance(value, str):
        return any(secret and secret in value for secret in embedded)
    if isinstance(value, Mapping):
        return any(_holds(item, embedded) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds(item, embedded) for item in value)
    return False


def pickled_state(storage: Any, configured: list[str]) -> dict[str, Any]:
    """Return the pickled state of *storage*: no clients, no secret from a setting."""
    state: dict[str, Any] = storage.__dict__.copy()
    state.pop("_clients", None)
    state.pop("_secret_set", None)
    # A secret from a setting or the environment is read again where the copy is loaded,
    # never copied into the pickle (one given to the constructor is in its arguments).
    if configured:
        options = state["_options"]
        state["_options"] = dataclasses.replace(options, **dict.fromkeys(configured))
        # The options are mirrored as attributes, under their 1.x aliases too.
        held = [getattr(options, name) for name in configured]
        for key, value in list(state.items()):
            if value is not None and any(value is secret for secret in held):
                del state[key]
        state["_configured_secrets"] = configured
    return state


def restore_state(storage: Any, state: dict[str, Any], *, stop: type) -> None:
    """Load a pickled *state* into *storage*, reading its configured secrets again."""
    configured = state.pop("_configured_secrets", ())
    storage.__dict__.update(state)
    if configured:
        fresh = resolve(
            storage.options_class, type(storage), storage._constructor_args[1], stop=stop
        )
        values = {name: getattr(fresh, name) for name in configured}
        storage.__dict__["_options"] = dataclasses.replace(state["_options"], **values)
        storage._mirror_options(values)


class Rebuildable:
    """What :class:`~storages.base.BaseStorage` answers to migrations, task queues and pickle."""

    _alias: str | None
    _needs_secrets: tuple[str, ...]
    _constructor_args: tuple[tuple[Any, ...], dict[str, Any]]
    options_class: ClassVar[type[BaseOptions]]

    @property
    def options(self) -> Any:  # the storage's (see storages.subclassing)
        raise NotImplementedError

    def explicit_secrets(self) -> list[str]:
        """Return the constructor keywords (``OPTIONS`` keys) that gave this storage a secret."""
        return self._secret_origins()[0]

    def _secret_origins(self) -> tuple[list[str], list[str]]:
        return secrets.split_given(secret_keywords(self.options_class), self._constructor_args[1])

    def __getstate__(self) -> dict[str, Any]:
        return pickled_state(self, self._secret_origins()[1])

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        """Return how to build this storage again, never its secrets (see this module): its
        ``STORAGES`` alias, else its keywords without secrets."""
        args, kwargs = self._constructor_args
        path = f"{type(self).__module__}.{type(self).__qualname__}"
        alias = self._alias or alias_of(type(self), kwargs)
        if alias is not None:
            return path, (), {"alias": alias}
        kept, given = split_secrets(self.options, kwargs)
        needed = sorted({*self._needs_secrets, *given})
        return path, args, {**kept, "needs_secrets": needed} if needed else kept
