"""The built-in phone network: with no Twilio account, texts are "delivered" at once.

The outbound row itself is the simulated phone's inbox: the sender stores it ``delivered`` with a
``SMsim…`` sid, and the simulator (panel or ``sms-sim``) shows outbound rows to its number. Same
queue, same pacing, same de-duplication as with Twilio; only the last hop is pretend.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime

from expresso_desktop.sms.gateway import SendResult

log = logging.getLogger(__name__)

# Twilio's documented "magic" test number: never a real customer's, so safe as our sender id.
SIMULATOR_NUMBER = "+15005550006"
SIM_SID_PREFIX = "SMsim"

DeliveryListener = Callable[[str, str, str], None]  # (sid, to, body)


class SimulatorGateway:
    name = "simulator"

    def __init__(self, from_number: str = SIMULATOR_NUMBER) -> None:
        self.from_number = from_number
        self._listeners: list[DeliveryListener] = []

    def on_delivered(self, listener: DeliveryListener) -> None:
        """Called on the sender's loop after each text; must not block."""
        self._listeners.append(listener)

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def send(self, to: str, body: str, *, valid_for_s: int | None = None) -> SendResult:
        sid = SIM_SID_PREFIX + uuid.uuid4().hex[: 34 - len(SIM_SID_PREFIX)]
        for listener in self._listeners:
            try:
                listener(sid, to, body)
            except Exception:
                log.exception("simulator listener failed")
        return SendResult(sid, "delivered")

    async def find_sent(self, to: str, body: str, since: datetime) -> list[str]:
        return []  # nothing leaves the process: an interrupted text was never delivered
