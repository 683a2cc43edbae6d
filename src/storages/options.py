"""Typed, per-backend options and where their values come from.

Each backend declares one frozen dataclass of options; each field says which Django settings and
environment variables may supply it. A value is taken from the first of:

1. the storage's constructor keyword (which is what ``STORAGES[...]["OPTIONS"]`` passes);
2. an attribute of the same name on a subclass of the storage (``class PublicAzureStorage``);
3. the documented Django setting(s), read when the storage is created;
4. the documented environment variable(s);
5. the documented default.

The value is checked against the field's type; a bad one raises ``ImproperlyConfigured`` naming
the option and where it came from. Options marked ``secret`` never appear in reprs, errors or
migrations. No option takes a negative number (every number is a size, a count, a duration, an
identifier or a mode). Options marked ``required`` must end up with a value (not None or empty):
the storage checks that when it first needs a client (:meth:`BaseOptions.check_required`), not
when it is created, because migrations rebuild storages without their settings' secrets.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import difflib
import inspect
import itertools
import os
import textwrap
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar, Union

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from storages.secrets import REDACTED

__all__ = [
    "BaseOptions",
    "OptionInfo",
    "assign",
    "describe",
    "fits",
    "option",
    "resolve",
    "secret_keywords",
    "sources_of",
    "unknown_option",
]

T = TypeVar("T", bound="BaseOptions")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclasses.dataclass(frozen=True)
class OptionSpec:
    """Where an option's value may come from, beyond the constructor."""

    settings: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    secret: bool = False
    aliases: tuple[str, ...] = ()
    convert: Callable[[Any], Any] | None = None
    required: bool = False


def _names(value: str | Sequence[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def option(
    default: Any = dataclasses.MISSING,
    *,
    setting: str | Sequence[str] = (),
    env: str | Sequence[str] = (),
    secret: bool = False,
    aliases: str | Sequence[str] = (),
    factory: Callable[[], Any] | None = None,
    convert: Callable[[Any], Any] | None = None,
    required: bool = False,
) -> Any:
    """Declare an option field: its default and the settings/env vars that supply it.

    ``convert`` turns a value from any source into the field's type (after the source's own
    string parsing for environment variables) and may raise ``ValueError`` or ``TypeError``.
    ``required`` options have a placeholder default (None or empty) that is not a usable value.
    """
    spec = OptionSpec(_names(setting), _names(env), secret, _names(aliases), convert, required)
    metadata = {"option": spec}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclasses.dataclass(frozen=True, repr=False, kw_only=True)
class BaseOptions:
    """Options shared by every backend built on :class:`storages.base.BaseStorage`."""

    #: Name of the backend in messages, filled in by the storage class.
    backend_name: ClassVar[str] = "storage"

    def __repr__(self) -> str:
        shown = []
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if spec_of(field).secret and value is not None:
                shown.append(f"{field.name}={REDACTED!r}")
            else:
                shown.append(f"{field.name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def missing_required(self) -> list[str]:
        """Return the names of the required options that have no value."""
        return [
            field.name
            for field in dataclasses.fields(self)
            if spec_of(field).required and getattr(self, field.name) in (None, "", [], (), {})
        ]

    def check_required(self, storage_name: str) -> None:
        """Raise ``ImproperlyConfigured`` naming each required option without a value."""
        missing = self.missing_required()
        if not missing:
            return
        fields = {field.name: field for field in dataclasses.fields(self)}
        wanted = "; ".join(sources_of(name, spec_of(fields[name])) for name in missing)
        raise ImproperlyConfigured(f"{storage_name} is missing required options: {wanted}")

    def secret_values(self) -> list[str]:
        """Return the string values of every secret option (for redaction)."""
        found: list[str] = []
        for field in dataclasses.fields(self):
            if spec_of(field).secret:
                found.extend(_strings_in(getattr(self, field.name)))
        return found


def _strings_in(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings_in(item)


def sources_of(name: str, spec: OptionSpec) -> str:
    """Return how a user sets the option *name*, e.g. ``'bucket_name' (setting AWS_...)``."""
    where = [f"setting {setting}" for setting in spec.settings]
    where += [f"environment variable {var}" for var in spec.env]
    return f"{name!r} ({', '.join(where)})" if where else repr(name)


def spec_of(field: dataclasses.Field[Any]) -> OptionSpec:
    """Return the :class:`OptionSpec` of a dataclass field (an empty one if undeclared)."""
    spec = field.metadata.get("option")
    return spec if isinstance(spec, OptionSpec) else OptionSpec()


def secret_keywords(options_cls: type[BaseOptions]) -> dict[str, frozenset[str]]:
    """Return each secret option of *options_cls* with the keywords that set it (its aliases)."""
    return {
        field.name: frozenset((field.name, *spec_of(field).aliases))
        for field in dataclasses.fields(options_cls)
        if spec_of(field).secret
    }


@dataclasses.dataclass(frozen=True)
class OptionInfo:
    """One option as the documentation shows it."""

    name: str
    type: str
    default: str
    settings: tuple[str, ...]
    env: tuple[str, ...]
    secret: bool
    doc: str
    required: bool = False


_NOT_GIVEN = object()


def _class_value(storage_cls: type, names: Iterable[str], stop: type | None) -> Any:
    """Return a plain class attribute set by a subclass of the storage, if any."""
    for klass in storage_cls.__mro__:
        if klass is stop or klass is object:
            break
        for name in names:
            if name in vars(klass):
                value = vars(klass)[name]
                if isinstance(value, (property, types.FunctionType, classmethod, staticmethod)):
                    continue
                return value
    return _NOT_GIVEN


def _from_env(text: str, kind: Any) -> Any:
    base = _strip_optional(kind)
    if base is bool:
        lowered = text.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError(f"expected a boolean such as 'true' or 'false', got {text!r}")
    if base is int:
        return int(text)
    if base is float:
        return float(text)
    return text


def _strip_optional(kind: Any) -> Any:
    if typing.get_origin(kind) in (Union, types.UnionType):
        args = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return kind


def _check_type(value: Any, kind: Any) -> bool:
    """Return whether *value* fits the type annotation *kind* (shallowly)."""
    if kind is Any or kind is object:
        return True
    origin = typing.get_origin(kind)
    if origin in (Union, types.UnionType):
        return any(_check_type(value, arg) for arg in typing.get_args(kind))
    if origin is typing.Literal:
        return value in typing.get_args(kind)
    if kind is type(None):
        return value is None
    if origin is not None:
        if origin in (Callable, typing.Callable):
            return callable(value)
        kind = origin
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind in (Sequence, list, tuple) and not isinstance(value, (str, bytes)):
        return isinstance(value, (list, tuple))
    if kind is dt.timedelta:
        return isinstance(value, dt.timedelta)
    if isinstance(kind, type):
        return isinstance(value, kind)
    return True


def fits(value: Any, kind: Any) -> bool:
    """Return whether *value* is acceptable for an option annotated *kind* (what resolve checks)."""
    return _check_type(value, kind) and not _negative(value, kind)


def _negative(value: Any, kind: Any) -> bool:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return kind is not Any and number and value < 0


def _type_name(kind: Any) -> str:
    text = kind.__name__ if isinstance(kind, type) else str(kind)
    return text.replace("typing.", "").replace("NoneType", "None")


def _hints(options_cls: type[BaseOptions]) -> dict[str, Any]:
    return typing.get_type_hints(options_cls)


def unknown_option(key: str, options_cls: type[BaseOptions], storage_name: str) -> str:
    """Return the message for the unknown option *key*, naming the option most likely meant.

    An option that *key* begins (``bucket`` for ``bucket_name``) beats a merely similar one,
    and among those a required option wins: it is the one a user has to set.
    """
    fields = {f.name: f for f in dataclasses.fields(options_cls) if f.init}
    aliases = {alias: f.name for f in fields.values() for alias in spec_of(f).aliases}
    candidates = sorted(set(fields) | set(aliases))

    def rank(candidate: str) -> tuple[bool, bool, float]:
        required = spec_of(fields[aliases.get(candidate, candidate)]).required
        ratio = difflib.SequenceMatcher(None, key, candidate).ratio()
        return candidate.startswith(key), required, ratio

    likely = [c for c in candidates if c.startswith(key)]
    likely += difflib.get_close_matches(key, candidates, n=3, cutoff=0.6)
    if likely:
        hint = f"; did you mean {max(likely, key=rank)!r}?"
    else:
        hint = f"; valid options: {', '.join(candidates)}"
    return f"Unknown option {key!r} for {storage_name}{hint}"


def resolve(
    options_cls: type[T],
    storage_cls: type,
    given: Mapping[str, Any],
    *,
    stop: type | None = None,
) -> T:
    """Build *options_cls* for *storage_cls* from *given* keywords and the other sources.

    ``stop`` is the first class in the storage's MRO whose attributes are not option values:
    attributes of its subclasses (the backend's own classes, such as a static-files variant,
    and users' subclasses) are.
    """
    fields = {f.name: f for f in dataclasses.fields(options_cls) if f.init}
    aliases = {alias: f.name for f in fields.values() for alias in spec_of(f).aliases}
    storage_name = storage_cls.__name__
    values: dict[str, Any] = {}
    for key, value in given.items():
        name = aliases.get(key, key)
        if name not in fields:
            raise ImproperlyConfigured(unknown_option(key, options_cls, storage_name))
        values[name] = (value, f"option {key!r} of {storage_name}")

    hints = _hints(options_cls)
    resolved: dict[str, Any] = {}
    for name, field in fields.items():
        spec = spec_of(field)
        kind = hints.get(name, Any)
        if name in values:
            value, source = values[name]
        else:
            value, source = _lookup(field, spec, storage_cls, stop, kind, storage_name)
            if value is _NOT_GIVEN:
                continue  # the dataclass default applies
        resolved[name] = _checked(value, spec, kind, source)
    return options_cls(**resolved)


def _checked(value: Any, spec: OptionSpec, kind: Any, source: str) -> Any:
    """Return *value* converted for an option; raise ``ImproperlyConfigured`` naming *source*."""
    if spec.convert is not None:
        try:
            value = spec.convert(value)
        except (TypeError, ValueError) as exc:
            raise ImproperlyConfigured(f"Invalid value for {source}: {exc}") from None
    if not _check_type(value, kind):
        shown = REDACTED if spec.secret else repr(value)
        raise ImproperlyConfigured(
            f"Invalid value for {source}: expected {_type_name(kind)}, "
            f"got {type(value).__name__} {shown}"
        )
    if _negative(value, kind):
        raise ImproperlyConfigured(
            f"Invalid value for {source}: expected a number >= 0, got {value!r}"
        )
    return value


def assign(options: T, name: str, value: Any, storage_name: str) -> T:
    """Return *options* with the option *name* set to *value*, checked as ``resolve`` checks."""
    field = {f.name: f for f in dataclasses.fields(options)}[name]
    source = f"attribute {name!r} assigned to {storage_name}"
    checked = _checked(value, spec_of(field), _hints(type(options)).get(name, Any), source)
    return dataclasses.replace(options, **{name: checked})


def _lookup(
    field: dataclasses.Field[Any],
    spec: OptionSpec,
    storage_cls: type,
    stop: type | None,
    kind: Any,
    storage_name: str,
) -> tuple[Any, str]:
    value = _class_value(storage_cls, (field.name, *spec.aliases), stop)
    if value is not _NOT_GIVEN:
        return value, f"attribute {field.name!r} of {storage_name}"
    option_name = f"option {field.name!r} of {storage_name}"
    for setting in spec.settings:
        if hasattr(settings, setting):
            return getattr(settings, setting), f"setting {setting} ({option_name})"
    for var in spec.env:
        if var in os.environ:
            source = f"environment variable {var} ({option_name})"
            try:
                return _from_env(os.environ[var], kind), source
            except ValueError as exc:
                raise ImproperlyConfigured(f"Invalid value for {source}: {exc}") from None
    return _NOT_GIVEN, ""


def _attribute_docs(options_cls: type) -> dict[str, str]:
    """Read the attribute docstrings (a string right after a field) of a dataclass."""
    docs: dict[str, str] = {}
    for klass in reversed(options_cls.__mro__):
        if klass is object:
            continue
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):
            continue
        body = ast.parse(source).body[0]
        if not isinstance(body, ast.ClassDef):
            continue
        statements = body.body
        for current, following in itertools.pairwise(statements):
            if (
                isinstance(current, ast.AnnAssign)
                and isinstance(current.target, ast.Name)
                and isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                docs[current.target.id] = inspect.cleandoc(following.value.value)
    return docs


def describe(options_cls: type[BaseOptions]) -> list[OptionInfo]:
    """Return the documentation of every option of *options_cls*, in declaration order."""
    docs = _attribute_docs(options_cls)
    hints = _hints(options_cls)
    infos = []
    for field in dataclasses.fields(options_cls):
        if not field.init:
            continue
        spec = spec_of(field)
        if spec.required:
            default = "(required)"
        elif field.default is not dataclasses.MISSING:
            default = repr(field.default)
        elif field.default_factory is not dataclasses.MISSING:
            default = repr(field.default_factory())
        else:
            default = "(required)"
        infos.append(
            OptionInfo(
                name=field.name,
                type=_type_name(hints.get(field.name, Any)),
                default=default,
                settings=spec.settings,
                env=spec.env,
                secret=spec.secret,
                doc=docs.get(field.name, ""),
                required=spec.required,
            )
        )
    return infos
