"""An ordered drink as the core sees it: canonical names from the menu, defaults filled in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.menu import Menu

# The most of one drink an item may hold: the largest number the SMS parser reads, and the hard
# ceiling of a text's order (core.intake; the event's own limit is a setting, asked to confirm).
MAX_QUANTITY = 99
MAX_SUGAR = 10


@dataclass(frozen=True, slots=True)
class DrinkSpec:
    drink: str
    size: str
    milk: str
    sugar: int = 0
    quantity: int = 1
    extras: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "drink": self.drink,
            "size": self.size,
            "milk": self.milk,
            "sugar": self.sugar,
            "quantity": self.quantity,
            "extras": list(self.extras),
        }

    def summary(self, menu: Menu | None = None) -> str:
        """Short words a barista or customer reads: ``2× large oat flat white, 1 sugar, decaf``."""
        parts = []
        if menu is None or self.size != menu.default_size:
            parts.append(self.size)
        default_milk = menu.default_milk_for(self.drink) if menu else None
        if self.milk not in ("none", default_milk):
            parts.append(self.milk)
        parts.append(self.drink)
        text = " ".join(parts) + "".join(f", {m}" for m in self.modifiers(menu))
        return f"{self.quantity}× {text}" if self.quantity > 1 else text

    def modifiers(self, menu: Menu | None = None) -> tuple[str, ...]:
        """What makes this drink differ from the plain one besides size and milk, in words a
        barista must not miss: ``no milk`` (on a drink that has milk by default), ``2 sugars``,
        then every extra as ordered (extra shot, decaf, iced, a syrup, half strength, extra
        hot: an extra is never a default). The card's bold chips and ``summary`` both use it."""
        out: list[str] = []
        default_milk = menu.default_milk_for(self.drink) if menu else None
        if self.milk == "none" and default_milk not in (None, "none"):
            out.append("no milk")
        if self.sugar:
            out.append(f"{self.sugar} sugar" + ("s" if self.sugar > 1 else ""))
        out.extend(self.extras)
        return tuple(out)


def drink_of(row: Any) -> DrinkSpec:
    """The drink a stored item holds: an order-item row, a replica's item mapping, or anything
    with ``drink, size, milk, sugar, quantity`` and ``extras_json`` (or ``extras``). The one
    place a stored item becomes a drink; no validation (it was validated when stored)."""
    get = (
        row.get
        if isinstance(row, Mapping)
        else lambda key, default=None: getattr(row, key, default)
    )
    extras = get("extras_json", None)
    if extras is None:
        extras = get("extras", None)
    return DrinkSpec(
        str(get("drink")),
        str(get("size")),
        str(get("milk")),
        int(get("sugar", 0) or 0),
        int(get("quantity", 1) or 1),
        tuple(extras or ()),
    )


def drink_spec_from_dict(data: Any, menu: Menu) -> DrinkSpec:
    """Validate an item from an API payload or the parser against ``menu``, filling defaults."""
    if not isinstance(data, dict):
        raise ValidationError("each item must be an object", field="items")
    drink = str(data.get("drink", "")).strip().lower()
    if drink not in menu.drink_names:
        raise ValidationError(f"unknown drink {drink!r}", field="items.drink")
    size = str(data.get("size") or menu.default_size).strip().lower()
    if size not in menu.size_names:
        raise ValidationError(f"unknown size {size!r}", field="items.size")
    milk = str(data.get("milk") or menu.default_milk_for(drink)).strip().lower()
    if milk not in menu.milk_names:
        raise ValidationError(f"unknown milk {milk!r}", field="items.milk")
    extras_raw = data.get("extras") or []
    if not isinstance(extras_raw, list):
        raise ValidationError("extras must be a list", field="items.extras")
    extras = tuple(dict.fromkeys(str(e).strip().lower() for e in extras_raw))
    for extra in extras:
        if extra not in menu.extra_names:
            raise ValidationError(f"unknown extra {extra!r}", field="items.extras")
    sugar = _bounded_int(data.get("sugar", 0), 0, MAX_SUGAR, "items.sugar")
    quantity = _bounded_int(data.get("quantity", 1), 1, MAX_QUANTITY, "items.quantity")
    return DrinkSpec(drink, size, milk, sugar, quantity, extras)


def _bounded_int(value: Any, low: int, high: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError(f"{field} must be a whole number", field=field)
    try:
        number = int(value)
    except ValueError:
        raise ValidationError(f"{field} must be a whole number", field=field) from None
    if not low <= number <= high:
        raise ValidationError(f"{field} must be between {low} and {high}", field=field)
    return number
