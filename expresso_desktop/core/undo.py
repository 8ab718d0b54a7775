"""How long a tap can be taken back.

The barista station's Undo bar offers the last tap for this long, and the organiser holds a
customer's "ready" text (and a group's pickup text) for as long before it may go: a Done taken
back within the window never texts anyone (``sms.outbound.notifications``).
"""

from __future__ import annotations

from datetime import timedelta

UNDO_WINDOW = timedelta(seconds=10)
