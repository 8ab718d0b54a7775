"""Interoperability: Avahi (a client we did not write) resolves our advertisement.

Runs only as root with ``ip netns`` and Avahi installed (CI installs it): the organiser's
advertiser runs in one network namespace, avahi-daemon + avahi-browse in another, joined by a
veth pair — nothing multicasts on this machine's own interfaces (design/platform.md). Otherwise
the test skips and says why.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ADVERTISE = """
import asyncio, sys
sys.path.insert(0, {repo!r})
from expresso_desktop.server.mdns import Advert, MdnsAdvertiser
async def main():
    advertiser = MdnsAdvertiser(Advert("Avahi Check", "abcdef12-0000-4000-8000-000000000000",
                                       8443, ":".join(["5A"] * 32)), [{ip!r}])
    await advertiser.start()
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await advertiser.stop()
asyncio.run(main())
"""
DBUS_CONF = """<busconfig><type>system</type><listen>unix:path={sock}</listen>
<auth>EXTERNAL</auth><policy context="default"><allow user="*"/><allow own="*"/>
<allow send_destination="*"/><allow receive_sender="*"/></policy></busconfig>"""
AVAHI_CONF = """[server]
use-ipv4=yes
use-ipv6=no
allow-interfaces={iface}
enable-dbus=yes
[wide-area]
enable-wide-area=no
[publish]
publish-workstation=no
publish-hinfo=no
"""


def sh(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=30)


def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root for network namespaces"
    for tool in ("ip", "avahi-daemon", "avahi-browse", "dbus-daemon"):
        if shutil.which(tool) is None:
            return (
                f"{tool} is not installed (apt-get install iproute2 avahi-daemon avahi-utils dbus)"
            )
    probe = f"expp{secrets.token_hex(3)}"
    if subprocess.run(["ip", "netns", "add", probe], capture_output=True).returncode != 0:
        return "cannot create network namespaces here"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


@pytest.fixture
def namespaces(tmp_path: Path) -> Iterator[tuple[str, str, str, str]]:
    reason = _skip_reason()
    if reason:
        pytest.skip(f"Avahi interoperability not run: {reason}")
    tag = secrets.token_hex(3)
    org, sta, va, vb = f"expo{tag}", f"exps{tag}", f"vxo{tag}", f"vxs{tag}"
    octet = int(tag[:2], 16) % 200 + 20
    ip_org, ip_sta = f"10.231.{octet}.1", f"10.231.{octet}.2"
    try:
        sh("ip", "netns", "add", org)
        sh("ip", "netns", "add", sta)
        sh("ip", "link", "add", va, "type", "veth", "peer", "name", vb)
        sh("ip", "link", "set", va, "netns", org)
        sh("ip", "link", "set", vb, "netns", sta)
        sh("ip", "-n", org, "addr", "add", f"{ip_org}/24", "dev", va)
        sh("ip", "-n", sta, "addr", "add", f"{ip_sta}/24", "dev", vb)
        for ns, dev in ((org, va), (sta, vb)):
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            sh("ip", "-n", ns, "link", "set", dev, "up")
        yield org, sta, ip_org, vb
    finally:
        for ns in (org, sta):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def test_avahi_browse_resolves_our_advert(
    namespaces: tuple[str, str, str, str], tmp_path: Path
) -> None:
    org, sta, ip_org, station_iface = namespaces
    procs: list[subprocess.Popen[str]] = []
    sock = tmp_path / "bus.sock"
    (tmp_path / "bus.conf").write_text(DBUS_CONF.format(sock=sock))
    (tmp_path / "avahi.conf").write_text(AVAHI_CONF.format(iface=station_iface))
    env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={sock}"}
    try:
        procs.append(
            subprocess.Popen(
                ["dbus-daemon", "--nofork", f"--config-file={tmp_path / 'bus.conf'}"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        _wait(lambda: sock.exists(), "the private D-Bus")
        procs.append(
            subprocess.Popen(
                [
                    "ip",
                    "netns",
                    "exec",
                    sta,
                    "avahi-daemon",
                    "-f",
                    str(tmp_path / "avahi.conf"),
                    "--no-chroot",
                    "--no-drop-root",
                    "--no-rlimits",
                    "--no-proc-title",
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
        organiser = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                org,
                sys.executable,
                "-c",
                ADVERTISE.format(repo=str(REPO), ip=ip_org),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        procs.append(organiser)
        assert organiser.stdout is not None and organiser.stdout.readline().strip() == "ready"
        found = ""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "=;" not in found:
            out = subprocess.run(
                ["ip", "netns", "exec", sta, "avahi-browse", "-r", "-p", "-t", "_expresso._tcp"],
                env=env,
                capture_output=True,
                text=True,
                timeout=20,
            )
            found = out.stdout
            time.sleep(0.3)
        resolved = [line for line in found.splitlines() if line.startswith("=")]
        assert resolved, found
        fields = resolved[0].split(";")
        assert ip_org in fields and "8443" in fields
        assert '"event=Avahi Check"' in resolved[0] and '"fp=' + "5a" * 32 + '"' in resolved[0]
    finally:
        for proc in reversed(procs):
            if proc.stdin:
                proc.stdin.close()
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()
        Path("/run/avahi-daemon/pid").unlink(missing_ok=True)


def _wait(ready, what: str, timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not start")
        time.sleep(0.05)
