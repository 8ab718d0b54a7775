"""The ``parse-sms`` JSON schema (design/product.md, "The SMS language"), checked strictly;
shared by the parser's tests and the CLI's."""

from __future__ import annotations

import json
from typing import Any

from expresso_desktop.core.sms.parser import MAX_ITEMS, MAX_QUANTITY, Intent

ITEM_KEYS = {"drink", "size", "milk", "sugar", "quantity", "extras"}
INTENTS = {i.value for i in Intent}


def assert_schema(result: dict[str, Any]) -> None:
    assert set(result) == {"intent", "items", "station", "name"}
    assert result["intent"] in INTENTS
    assert result["station"] is None or isinstance(result["station"], int)
    assert result["name"] is None or (isinstance(result["name"], str) and result["name"])
    assert isinstance(result["items"], list) and len(result["items"]) <= MAX_ITEMS
    if result["intent"] != "order":
        assert result["items"] == []
    else:
        assert result["items"]
    for item in result["items"]:
        assert set(item) == ITEM_KEYS
        assert 1 <= item["quantity"] <= MAX_QUANTITY
        assert isinstance(item["sugar"], int) and item["sugar"] >= 0
        assert isinstance(item["extras"], list)
    json.dumps(result)
