"""A tunnel from the internet to the SMS webhook, so Twilio can reach a laptop behind a router:
``cloudflared`` (a quick tunnel, no account) or ``ngrok`` when one of them is on the PATH.

The tool runs as a child process on the service loop. cloudflared prints its address on
stderr in a box (``INF |  https://<random>.trycloudflare.com  |``); ngrok's is read from its
local agent API (``GET http://127.0.0.1:4040/api/tunnels`` → ``{"tunnels": [{"public_url":
"https://…", "proto": "https", …}]}``). The child's output is drained for as long as it runs
(a full pipe would stall it) and its last lines kept, to say why it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shutil
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import aiohttp

from expresso_desktop.errors import KnownError

log = logging.getLogger(__name__)

ToolName = Literal["cloudflared", "ngrok"]
TOOLS: tuple[ToolName, ...] = ("cloudflared", "ngrok")  # the first one found is used
HOW_TO_GET: dict[ToolName, str] = {
    "cloudflared": "cloudflared (free, no account): "
    "https://github.com/cloudflare/cloudflared/releases",
    "ngrok": "ngrok (free account, then `ngrok config add-authtoken …`): https://ngrok.com/download",
}
NGROK_API = "http://127.0.0.1:4040/api/tunnels"
START_TIMEOUT_S = 30.0  # a quick tunnel usually answers in 2-5 s
STOP_GRACE_S = 3.0  # after SIGTERM, before SIGKILL
NGROK_POLL_S = 0.25
KEPT_LINES = 20
_CLOUDFLARE_URL = re.compile(r"https://[a-z0-9-]+\.trycloudflare\.com")


class TunnelError(KnownError):
    """The tunnel did not come up; the message says why (the tool's last words included)."""


@dataclass(frozen=True, slots=True)
class TunnelTool:
    name: ToolName
    path: str


def find_tool(which: Callable[[str], str | None] = shutil.which) -> TunnelTool | None:
    """cloudflared, else ngrok, as found on the PATH; None when neither is installed."""
    for name in TOOLS:
        path = which(name)
        if path:
            return TunnelTool(name, path)
    return None


def how_to_get() -> tuple[str, ...]:
    """One line per tool: what it is and where to download it."""
    return tuple(HOW_TO_GET[name] for name in TOOLS)


def cloudflare_url(line: str) -> str | None:
    """The quick tunnel's address in one line of cloudflared's output, if it has one (the
    banner's other links, cloudflare.com's terms, do not count)."""
    found = _CLOUDFLARE_URL.search(line)
    return found.group(0) if found else None


def ngrok_url(answer: object, port: int) -> str | None:
    """The https address of the tunnel to ``port`` in ngrok's ``/api/tunnels`` answer."""
    tunnels = answer.get("tunnels") if isinstance(answer, dict) else None
    for tunnel in tunnels if isinstance(tunnels, list) else []:
        if not isinstance(tunnel, dict):
            continue
        url, addr = tunnel.get("public_url"), str((tunnel.get("config") or {}).get("addr", ""))
        if isinstance(url, str) and url.startswith("https://") and addr.endswith(f":{port}"):
            return url
    return None


class Tunnel:
    """One tunnel at a time to ``http://127.0.0.1:<port>``. ``start`` returns its https
    address once the tool printed it; ``stop`` ends the process (SIGTERM, then SIGKILL)."""

    def __init__(self, tool: TunnelTool, *, ngrok_api: str = NGROK_API) -> None:
        self.tool = tool
        self._ngrok_api = ngrok_api
        self._process: asyncio.subprocess.Process | None = None
        self._drain: asyncio.Task[None] | None = None
        self._lines: deque[str] = deque(maxlen=KEPT_LINES)
        self._found: asyncio.Future[str] | None = None
        self.url: str | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def exit_text(self) -> str | None:
        """Why a tunnel that was started is no longer running (None while it runs)."""
        if self._process is None or self._process.returncode is None:
            return None
        return f"{self.tool.name} stopped (exit code {self._process.returncode})"

    async def start(self, port: int, timeout_s: float = START_TIMEOUT_S) -> str:
        if self.running:
            raise TunnelError(f"a {self.tool.name} tunnel is already running")
        self._lines.clear()
        self.url = None
        # cloudflared says its address in its output; ngrok's is asked for (``_ask``).
        cloudflared = self.tool.name == "cloudflared"
        self._found = asyncio.get_running_loop().create_future() if cloudflared else None
        self._process = await asyncio.create_subprocess_exec(
            *self._command(port),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # Ctrl+C in a terminal reaches us, not the tunnel twice
        )
        self._drain = asyncio.create_task(self._read(self._process))
        log.info("%s started (pid %s) for port %s", self.tool.name, self._process.pid, port)
        try:
            async with asyncio.timeout(timeout_s):
                url = await (self._found if self._found is not None else self._ask(port))
        except BaseException as exc:
            await self.stop()
            if isinstance(exc, TimeoutError):
                raise self._failed(f"gave no address within {timeout_s:.0f} s") from None
            raise
        self.url = url
        log.info("%s tunnel up: %s", self.tool.name, url)
        return url

    def _command(self, port: int) -> list[str]:
        if self.tool.name == "cloudflared":
            return [
                self.tool.path,
                "tunnel",
                "--no-autoupdate",
                "--url",
                f"http://127.0.0.1:{port}",
            ]
        return [self.tool.path, "http", f"127.0.0.1:{port}", "--log", "stdout"]

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        async for raw in process.stdout:
            line = raw.decode("utf-8", "replace").rstrip()
            self._lines.append(line)
            url = cloudflare_url(line) if self.tool.name == "cloudflared" else None
            if url and self._found is not None and not self._found.done():
                self._found.set_result(url)
        await process.wait()
        if self._found is not None and not self._found.done():
            self._found.set_exception(self._failed(f"exited (code {process.returncode})"))

    async def _ask(self, port: int) -> str:
        """ngrok: poll its local API until the tunnel to ``port`` is listed."""
        timeout = aiohttp.ClientTimeout(total=2)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                if not self.running:
                    raise self._failed("exited before its tunnel was up")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError):
                    async with session.get(self._ngrok_api) as resp:
                        url = ngrok_url(await resp.json(content_type=None), port)
                        if url:
                            return url
                await asyncio.sleep(NGROK_POLL_S)

    def _failed(self, what: str) -> TunnelError:
        said = " | ".join(line for line in list(self._lines)[-3:] if line)
        return TunnelError(
            f"{self.tool.name} {what}" + (f": {said}" if said else ""),
            hint="Check this computer's internet connection, or type a public address instead.",
        )

    async def stop(self) -> None:
        process, drain = self._process, self._drain
        self.url = None
        if self._found is not None and not self._found.done():
            self._found.cancel()  # nobody waits for an address any more
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            try:
                await asyncio.wait_for(process.wait(), STOP_GRACE_S)
            except TimeoutError:
                log.warning("%s did not stop on SIGTERM; killing it", self.tool.name)
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
            log.info("%s stopped", self.tool.name)
        if drain is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await drain
