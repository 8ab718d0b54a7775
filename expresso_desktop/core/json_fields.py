"""Checked reads of a decoded JSON object: each wrong type is a ``ValidationError`` naming the
field (``mutations.seq``), so an API answers 422 with it instead of failing later with a
``KeyError``. Bools are never numbers here (JSON's ``true`` is not 1)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

from expresso_desktop.core.errors import ValidationError

E = TypeVar("E", bound=Enum)
_REQUIRED: Any = object()


class Fields:
    """The fields of one JSON object; ``prefix`` names where it sits in the message."""

    __slots__ = ("data", "prefix")

    def __init__(self, data: Any, prefix: str = "") -> None:
        if not isinstance(data, Mapping):
            where = prefix or "body"
            raise ValidationError(f"{where} must be a JSON object", field=where)
        self.data: Mapping[str, Any] = data
        self.prefix = prefix

    def name(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def fail(self, key: str, why: str) -> ValidationError:
        where = self.name(key)
        return ValidationError(f"{where} {why}", field=where)

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def text(self, key: str, *, optional: bool = False, max_len: int | None = None) -> Any:
        """Text (``optional``: or None); with ``max_len``, 1 to ``max_len`` characters."""
        value = self.data.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise self.fail(key, "must be text")
        if max_len is not None and not 1 <= len(value) <= max_len:
            raise self.fail(key, f"must be 1-{max_len} characters")
        return value

    def number(
        self, key: str, *, default: Any = _REQUIRED, minimum: int | None = 0, text: bool = False
    ) -> Any:
        """A whole number >= ``minimum``; ``text``: a query string's digits too. Missing:
        ``default`` if given (None for optional), else an error."""
        value = self.data.get(key)
        if value is None:
            if default is _REQUIRED:
                raise self.fail(key, "is required")
            return default
        if text and isinstance(value, str):
            try:
                value = int(value)
            except ValueError:
                raise self.fail(key, "must be a whole number") from None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, "must be a whole number")
        if not -(2**63) <= value < 2**63:  # what SQLite's INTEGER (and so every id) holds
            raise self.fail(key, "is out of range")
        if minimum is not None and value < minimum:
            raise self.fail(key, f"must be >= {minimum}")
        return value

    def flag(self, key: str) -> bool:
        value = self.data.get(key)
        if not isinstance(value, bool):
            raise self.fail(key, "must be true or false")
        return value

    def array(self, key: str, *, optional: bool = False) -> list[Any]:
        value = self.data.get(key)
        if value is None and optional:
            return []
        if not isinstance(value, list):
            raise self.fail(key, "must be a list")
        return value

    def mapping(self, key: str, *, optional: bool = False) -> Any:
        value = self.data.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, dict):
            raise self.fail(key, "must be an object")
        return value

    def choice(self, kind: type[E], key: str, *, optional: bool = False) -> Any:
        value = self.data.get(key)
        if value is None and optional:
            return None
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(str(m.value) for m in kind)
            raise self.fail(key, f"must be one of {allowed}") from None
