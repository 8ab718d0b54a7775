"""Customer message templates: ``{placeholder}`` text rendered to plain, SMS-friendly strings.

Values from customers (their name) are flattened to one plain line; nothing is ever interpreted
as markup. Rendering measures segments so the organiser's editor can warn about cost, and optional
tails (the sponsor line) are only appended when they cost no extra segment.
"""

from __future__ import annotations

import functools
import json
import re
import string
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.sms.segments import SegmentInfo, measure, to_gsm_friendly

# Every placeholder a template may use; the editor rejects anything else up front so a typo never
# reaches a customer as "{nmae}".
PLACEHOLDERS = frozenset(
    {
        "number",
        "drink",
        "name",
        "name_part",
        "station",
        "location",
        "map",
        "wait",
        "wait_text",
        "status",
        "reason",
        "drinks",
        "milks",
        "sizes",
        "alternatives",
        "opens_text",
        "event",
        "note",
        "is_are",
    }
)

MAX_VALUE_CHARS = 60
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,!?;:])")
_formatter = string.Formatter()


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    segments: SegmentInfo
    dropped: tuple[str, ...] = ()  # optional tails left off to save a segment


def spoken_list(parts: Iterable[str]) -> str:
    """ "latte", "latte and mocha", "latte, mocha and tea": how a person lists things."""
    items = [p for p in parts if p]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def is_are(count: int) -> str:
    """The verb for ``count`` drinks: "your latte is ready", "your 2x latte are ready"."""
    return "is" if count == 1 else "are"


def placeholders_in(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in _formatter.parse(template) if name is not None}
    except ValueError as exc:  # unbalanced braces
        raise ValidationError(f"template braces don't match: {exc}", field="template") from exc


@functools.lru_cache(maxsize=512)
def validate_template(template: str) -> None:
    """Raise ``ValidationError`` if ``template`` is not one we can render (checked on every
    render, so remembered per template text: a good one is checked once)."""
    names = placeholders_in(template)
    unknown = sorted(n for n in names if n not in PLACEHOLDERS)
    if unknown:
        raise ValidationError(
            f"unknown placeholder(s): {', '.join('{' + n + '}' for n in unknown)}", field="template"
        )
    if any(n == "" or n.isdigit() for n in names):
        raise ValidationError("placeholders need a name, e.g. {name}", field="template")


def plain(value: object, limit: int = MAX_VALUE_CHARS) -> str:
    """One plain line: control characters and line breaks removed, whitespace collapsed."""
    text = str(value)
    # A printable str has no C* or Z* character but the ASCII space: nothing to replace.
    if not text.isprintable():
        text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _Defaults(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def render(
    template: str,
    values: Mapping[str, object],
    *,
    optional_tail: Iterable[str] = (),
    limits: Mapping[str, int] | None = None,
) -> Rendered:
    """Fill ``template``; missing values render empty; tails ride along only if they fit.

    Each value is cut to ``MAX_VALUE_CHARS`` unless ``limits`` allows a placeholder more (the
    drinks list of a MENU reply is ours, not a customer's, and useless cut short)."""
    validate_template(template)
    limits = limits or {}
    safe = _Defaults(
        {k: plain(v, limits.get(k, MAX_VALUE_CHARS)) for k, v in values.items() if v is not None}
    )
    text = _tidy(template.format_map(safe))  # validated: named fields only
    dropped = []
    for tail in optional_tail:
        tail = plain(tail, limit=160)
        if not tail:
            continue
        candidate = f"{text} {to_gsm_friendly(tail)}"
        # A tail may ride along only while it costs no extra segment.
        if measure(candidate).segments == measure(text).segments:
            text = candidate
        else:
            dropped.append(tail)
    return Rendered(text, measure(text), tuple(dropped))


def _tidy(text: str) -> str:
    # Empty optional values leave "Station 2 ." behind; close those gaps.
    return to_gsm_friendly(_SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(text.split())))


@dataclass(frozen=True)
class TemplateSet:
    """The event's templates by name, over the bundled defaults, and the values every text
    may use (``{event}``: the event's name) unless a renderer gives its own."""

    templates: Mapping[str, str]
    values: Mapping[str, object] = field(default_factory=dict)

    def get(self, name: str) -> str:
        try:
            return self.templates[name]
        except KeyError:
            raise KeyError(f"no template named {name!r}") from None

    def render(
        self,
        name: str,
        values: Mapping[str, object],
        *,
        optional_tail: Iterable[str] = (),
        limits: Mapping[str, int] | None = None,
    ) -> Rendered:
        merged = {**self.values, **values}
        return render(self.get(name), merged, optional_tail=optional_tail, limits=limits)

    def with_overrides(self, overrides: Mapping[str, str]) -> TemplateSet:
        for text in overrides.values():
            validate_template(text)
        return TemplateSet({**self.templates, **overrides}, self.values)

    def with_values(self, **values: object) -> TemplateSet:
        return TemplateSet(self.templates, {**self.values, **values})

    def current_templates(self) -> TemplateSet:
        """A fixed set is its own current view (see ``TemplateSource``)."""
        return self

    @classmethod
    def from_json_file(cls, path: Path) -> TemplateSet:
        with path.open(encoding="utf-8") as fh:
            data = json.load(fh)
        for text in data.values():
            validate_template(text)
        return cls(dict(data))


class TemplateSource(Protocol):
    """Where renderers get the templates of the moment: a fixed ``TemplateSet``, or the
    event's live view (``services.text_settings.LiveTexts``: the organiser's overrides,
    re-read once they change)."""

    def current_templates(self) -> TemplateSet: ...


def load_default_templates() -> TemplateSet:
    from expresso_desktop.core.resources import resource_path

    return TemplateSet.from_json_file(resource_path("templates.json"))
