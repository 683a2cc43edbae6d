"""How a storage configured the django-storages 1.x way reaches its options.

1.x storages kept their settings as plain attributes, and users configured subclasses in every
way attributes allow. Each of those ways is honoured here, on top of :mod:`storages.options`:

* ``get_default_settings()`` of a third-party subclass of 1.x's ``BaseStorage``
  (:func:`apply_default_settings`);
* an option assigned in an ``__init__`` override *before* ``super().__init__()``
  (:func:`preset_options`: constructor keywords still win, as in 1.x);
* an option assigned *after* construction, ``storage.location = "x"``
  (``BaseStorage.__setattr__`` calls :func:`storages.options.assign`);
* an option defined as a ``property`` on a subclass, read each time it is used: the
  multi-tenant ``location`` (:func:`property_options` and :func:`overlay`).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from types import FunctionType
from typing import Any, ClassVar, Generic, TypeVar

from storages import retired
from storages.options import BaseOptions, assign, resolve, spec_of

__all__ = [
    "OptionAttributes",
    "apply_default_settings",
    "overlay",
    "preset_options",
    "property_options",
]

T = TypeVar("T")
O = TypeVar("O", bound=BaseOptions)  # noqa: E741

_overlaying = threading.local()


_FIELD_NAMES: dict[type, dict[str, str]] = {}


def _field_names(options_cls: type) -> dict[str, str]:
    """Return each name an option answers to (its own and its 1.x aliases) with the option."""
    names = _FIELD_NAMES.get(options_cls)
    if names is None:
        names = {}
        for field in dataclasses.fields(options_cls):
            if field.init:
                names.update(dict.fromkeys(spec_of(field).aliases, field.name))
                names[field.name] = field.name
        _FIELD_NAMES[options_cls] = names
    return names


def apply_default_settings(storage: Any, given: Mapping[str, Any]) -> dict[str, Any]:
    """Honour django-storages 1.x's ``get_default_settings()`` hook of a third-party subclass.

    As 1.x's ``storages.base.BaseStorage`` did, each default becomes an attribute unless the
    class defines one, and a constructor keyword naming a default sets it. Return the keywords
    left for the declared options (an unknown one is refused there, with a suggestion).
    """
    defaults = storage.get_default_settings()
    for name, value in defaults.items():
        if not hasattr(storage, name):
            setattr(storage, name, value)
    for name in defaults.keys() & given.keys():
        setattr(storage, name, given[name])
    return {key: value for key, value in given.items() if key not in defaults}


def preset_options(storage: Any, options_cls: type) -> dict[str, Any]:
    """Return the options an ``__init__`` override assigned before calling the base's."""
    names = _field_names(options_cls)
    return {names[name]: value for name, value in vars(storage).items() if name in names}


def property_options(storage_cls: type, options_cls: type, stop: type) -> tuple[str, ...]:
    """Return the options that a user's class between *storage_cls* and *stop* defines as
    properties (a backend's own properties compute what it derives from its options)."""
    names = _field_names(options_cls)
    found: list[str] = []
    for klass in storage_cls.__mro__:
        if klass is stop:
            break
        if klass.__module__.partition(".")[0] == __name__.partition(".")[0]:
            continue
        found += [
            name
            for name, value in vars(klass).items()
            if names.get(name) == name and isinstance(value, property) and name not in found
        ]
    return tuple(found)


def overlay(storage: Any, options: T, names: tuple[str, ...]) -> T:
    """Return *options* with the current value of each property option *names* of *storage*.

    A property that itself reads ``storage.options`` sees the options without the overlay.
    """
    if not names or getattr(_overlaying, "active", False):
        return options
    _overlaying.active = True
    try:
        current = {name: getattr(storage, name) for name in names}
    finally:
        _overlaying.active = False
    return dataclasses.replace(options, **current)  # type: ignore[type-var]


class OptionAttributes(Generic[O]):
    """The options of a storage, also reachable as its attributes, the 1.x way.

    ``options`` holds the resolved options dataclass; each option is mirrored as an attribute
    (``storage.bucket_name``). Assigning one replaces the option (checked as a setting would be)
    and calls :meth:`_options_changed`; a property a subclass defines under an option's name is
    read each time the options are.
    """

    #: The options dataclass (set by each backend).
    options_class: ClassVar[type[BaseOptions]] = BaseOptions
    #: The options a subclass defines as properties.
    _property_options: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._property_options = property_options(cls, cls.options_class, OptionAttributes)
        retired.warn_retired_overrides(cls)

    def _resolve_options(self, given: Mapping[str, Any]) -> None:
        """Resolve the options from the constructor keywords *given* and every other source."""
        # 1.x defaults first: a subclass's get_default_settings() may name an option.
        declared = apply_default_settings(self, given)
        declared = {**preset_options(self, self.options_class), **declared}
        stop = next(k for k in type(self).__mro__ if OptionAttributes in k.__bases__)
        self.options = resolve(self.options_class, type(self), declared, stop=stop)  # type: ignore[assignment]
        self._mirror_options(vars(self.__dict__["_options"]))

    @property
    def options(self) -> O:
        """Return the resolved options (with the current value of any property option)."""
        current: O = self.__dict__["_options"]
        return overlay(self, current, self._property_options)

    @options.setter
    def options(self, value: O) -> None:
        self.__dict__["_options"] = value

    def __setattr__(self, name: str, value: Any) -> None:
        field = _field_names(self.options_class).get(name)
        if "_options" in self.__dict__ and field and name not in self._property_options:
            self.options = assign(self.options, field, value, type(self).__name__)
            self._mirror_options({field: value})
            self._options_changed()
            return
        super().__setattr__(name, value)

    def _mirror_options(self, values: Mapping[str, Any]) -> None:
        # Mirror each option as an attribute (under its 1.x aliases too), as django-storages
        # 1.x storages had them.
        names = _field_names(self.options_class)
        for name, field in names.items():
            if field not in values:
                continue
            if not isinstance(getattr(type(self), name, None), (property, FunctionType)):
                self.__dict__[name] = values[field]

    def get_default_settings(self) -> dict[str, Any]:
        """Return 1.x-style defaults (attribute name to value) of a third-party subclass."""
        return {}

    def _options_changed(self) -> None:
        """Rebuild what the storage derived from its options, after one was assigned."""
