"""A stand-in ``cloudflared`` (a third-party binary) for tests: a real executable put first on
the PATH that prints what ``cloudflared tunnel --url …`` prints for a quick tunnel — on
stderr, address boxed — then runs until it is killed. It writes its argv and pid to files
beside it, so a test can check what it was asked and that it is gone. Nothing leaves this
computer."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

QUICK_URL = "https://seasonal-deck-organisms-sf.trycloudflare.com"

_RULE = "-" * 92
# The lines of a real quick tunnel's start (cloudflared 2024.x), up to its address.
BANNER = [
    "INF Thank you for trying Cloudflare Tunnel. Doing so, without a Cloudflare account, is a "
    "quick way to experiment and try it out. However, be aware that these account-less Tunnels "
    "have no uptime guarantee, are subject to the Cloudflare Online Services Terms of Use "
    "(https://www.cloudflare.com/website-terms/), and Cloudflare reserves the right to "
    "investigate your use of Tunnels for violations of such terms.",
    "INF Requesting new quick Tunnel on trycloudflare.com...",
    f"INF +{_RULE}+",
    "INF |  Your quick Tunnel has been created! Visit it at (it may take some time to be "
    "reachable):  |",
    f"INF |  {QUICK_URL}                                      |",
    f"INF +{_RULE}+",
    "INF Registered tunnel connection connIndex=0 location=syd01 protocol=quic",
]
REFUSED = [
    "INF Requesting new quick Tunnel on trycloudflare.com...",
    'ERR Error unmarshaling QuickTunnel response: error code: 1015 error="invalid character"',
    "failed to unmarshal quick Tunnel: invalid character 'e' looking for beginning of value",
]

SCRIPT = """#!{python}
import json, os, signal, sys, time
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "cloudflared.run.json"), "w") as out:
    json.dump({{"argv": sys.argv[1:], "pid": os.getpid()}}, out)
for line in {lines!r}:
    print("2024-05-01T10:00:00Z " + line, file=sys.stderr, flush=True)
if {fail!r}:
    sys.exit(1)
while True:
    signal.pause()
"""


def install_fake_cloudflared(
    folder: Path, monkeypatch: pytest.MonkeyPatch, *, fail: bool = False
) -> Path:
    """A ``cloudflared`` in ``folder``, first on the PATH (``fail``: the quick tunnel is
    refused and it exits 1)."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "cloudflared"
    lines = REFUSED if fail else BANNER
    script.write_text(SCRIPT.format(python=sys.executable, lines=lines, fail=fail))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    return script


def fake_run(folder: Path) -> dict[str, object]:
    """What the fake was started with: ``{"argv": [...], "pid": N}``."""
    return dict(json.loads((folder / "cloudflared.run.json").read_text()))


def no_tunnel_tools(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PATH with neither cloudflared nor ngrok on it (only an empty folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("PATH", str(folder))
