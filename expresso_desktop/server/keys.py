"""The one typed ``web.AppKey`` every organiser listener carries: its services.

Other state lives with the feature that owns it (``api_devices.LAN_INFO``, ``api_sync.SYNC``,
``webhook.INBOUND``, ``live.HUB``), set up by that feature's ``cleanup_ctx``.
"""

from __future__ import annotations

from aiohttp import web

from expresso_desktop.services.organiser import OrganiserServices

SERVICES = web.AppKey("services", OrganiserServices)
