"""Staff roles, what each may do, and PINs hashed with a real KDF (scrypt, stdlib)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from enum import StrEnum

from expresso_desktop.core.errors import ValidationError


class Role(StrEnum):
    ORGANISER = "organiser"
    BARISTA = "barista"
    RUNNER = "runner"  # carries drinks, marks them collected
    DISPLAY = "display"  # a ready board: reads only


class Permission(StrEnum):
    ORDER_PROGRESS = "order.progress"  # start / ready
    ORDER_COLLECT = "order.collect"
    ORDER_CANCEL = "order.cancel"
    ORDER_CREATE = "order.create"  # walk-in
    ORDER_MOVE = "order.move"
    STOCK_USE = "stock.use"
    STOCK_COUNT = "stock.count"  # resets a count generation: organiser only
    STATION_PAUSE = "station.pause"
    CHAT = "chat"
    MESSAGE_CUSTOMER = "message.customer"
    MANAGE_EVENT = "event.manage"  # stations, staff, schedules, settings, devices
    READ_BOARD = "board.read"


_BARISTA = {
    Permission.ORDER_PROGRESS,
    Permission.ORDER_COLLECT,
    Permission.ORDER_CANCEL,
    Permission.ORDER_CREATE,
    Permission.ORDER_MOVE,
    Permission.STOCK_USE,
    Permission.STATION_PAUSE,
    Permission.CHAT,
    Permission.MESSAGE_CUSTOMER,
    Permission.READ_BOARD,
}
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ORGANISER: frozenset(Permission),
    Role.BARISTA: frozenset(_BARISTA),
    Role.RUNNER: frozenset({Permission.ORDER_COLLECT, Permission.CHAT, Permission.READ_BOARD}),
    Role.DISPLAY: frozenset({Permission.READ_BOARD}),
}


def allowed(role: Role | str, permission: Permission) -> bool:
    try:
        return permission in PERMISSIONS[Role(role)]
    except ValueError:
        return False


# -- PINs -----------------------------------------------------------------------------------
# scrypt parameters: ~30 ms per check on a laptop, enough to make a stolen database's 4-6 digit
# PINs slow to brute-force offline, cheap enough for a barista's login.
_N, _R, _P = 2**14, 8, 1
PIN_MIN, PIN_MAX = 4, 8


def validate_pin(pin: str) -> None:
    if not pin.isdigit() or not PIN_MIN <= len(pin) <= PIN_MAX:
        raise ValidationError(f"PIN must be {PIN_MIN}-{PIN_MAX} digits", field="pin")
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise ValidationError("PIN is too easy to guess", field="pin")


def hash_pin(pin: str) -> str:
    validate_pin(pin)
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        algo, n, r, p, salt_hex, digest_hex = stored.split("$")
        if algo != "scrypt":
            return False
        digest = hashlib.scrypt(
            pin.encode(), salt=bytes.fromhex(salt_hex), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)
