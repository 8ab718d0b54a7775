from __future__ import annotations

import pytest

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.group_orders import GroupMember, progress, validate_group
from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.orders import OrderStatus
from expresso_desktop.core.privacy import mask_phone, mask_phones_in
from expresso_desktop.core.staff import Permission, Role, allowed, hash_pin, verify_pin


def test_roles_permissions() -> None:
    assert allowed(Role.ORGANISER, Permission.STOCK_COUNT)
    assert allowed("barista", Permission.ORDER_PROGRESS)
    assert not allowed(Role.BARISTA, Permission.STOCK_COUNT)
    assert not allowed(Role.BARISTA, Permission.MANAGE_EVENT)
    assert allowed(Role.RUNNER, Permission.ORDER_COLLECT)
    assert not allowed(Role.DISPLAY, Permission.ORDER_COLLECT)
    assert not allowed("admin", Permission.READ_BOARD)


def test_pin_hash_roundtrip_and_salted() -> None:
    stored = hash_pin("4821")
    assert stored.startswith("scrypt$") and "4821" not in stored
    assert verify_pin("4821", stored)
    assert not verify_pin("4822", stored)
    assert hash_pin("4821") != stored  # salted
    assert not verify_pin("4821", "garbage")


@pytest.mark.parametrize("pin", ["", "12", "abcd", "1111", "1234", "123456789"])
def test_weak_or_malformed_pins_refused(pin: str) -> None:
    with pytest.raises(ValidationError):
        hash_pin(pin)


def test_group_progress() -> None:
    S = OrderStatus
    assert not progress([S.READY, S.IN_PROGRESS]).complete
    assert progress([S.READY, S.COLLECTED, S.CANCELLED]).complete
    assert not progress([S.CANCELLED]).complete
    with pytest.raises(ValidationError):
        validate_group([])
    with pytest.raises(ValidationError):
        validate_group([GroupMember(" ", DrinkSpec("latte", "medium", "full cream"))])


def test_phone_masking() -> None:
    assert mask_phone("+61400123456") == "+61 ••• ••• 456"
    assert mask_phone(None) == ""
    assert "123456" not in mask_phones_in("sms from +61400123456 ok")
    assert "400 123" not in mask_phones_in("from +61 400 123 456.")
    assert "0412345678" not in mask_phones_in("call 0412345678 now")
    untouched = "listening on 127.0.0.1:8443 since 2026-11-24 22:01:14"
    assert mask_phones_in(untouched) == untouched
