"""The tunnel as a real child process: a stand-in ``cloudflared`` first on the PATH (a
third-party binary) prints a quick tunnel's banner; its address is read, and stopping ends
the process. Without a tool, the download addresses are what is said."""

from __future__ import annotations

from pathlib import Path

import pytest

from expresso_desktop.lifecycle import process_alive
from expresso_desktop.sms.tunnel import (
    Tunnel,
    TunnelError,
    TunnelTool,
    cloudflare_url,
    find_tool,
    how_to_get,
    ngrok_url,
)
from tests.sms.fake_tunnel import (
    BANNER,
    QUICK_URL,
    fake_run,
    install_fake_cloudflared,
    no_tunnel_tools,
)


def _tool() -> TunnelTool:
    tool = find_tool()
    assert tool is not None and tool.name == "cloudflared"
    return tool


async def test_the_quick_tunnels_address_is_read_and_stop_ends_the_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_cloudflared(tmp_path / "bin", monkeypatch)
    tunnel = Tunnel(_tool())

    url = await tunnel.start(4321)

    assert url == QUICK_URL == tunnel.url
    run = fake_run(tmp_path / "bin")
    assert run["argv"] == ["tunnel", "--no-autoupdate", "--url", "http://127.0.0.1:4321"]
    pid = run["pid"]
    assert isinstance(pid, int) and pid == tunnel.pid and process_alive(pid)
    assert tunnel.running

    await tunnel.stop()

    assert not process_alive(pid) and not tunnel.running and tunnel.url is None


async def test_a_refused_quick_tunnel_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_cloudflared(tmp_path / "bin", monkeypatch, fail=True)
    tunnel = Tunnel(_tool())

    with pytest.raises(TunnelError) as refused:
        await tunnel.start(4321)

    assert refused.value.message.startswith("cloudflared exited (code 1)")
    assert "error code: 1015" in refused.value.message  # its own last words
    assert not tunnel.running


def test_without_a_tool_the_download_addresses_are_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_tunnel_tools(tmp_path / "empty", monkeypatch)
    assert find_tool() is None
    cloudflared, ngrok = how_to_get()
    assert cloudflared.startswith("cloudflared")
    assert "https://github.com/cloudflare/cloudflared/releases" in cloudflared
    assert ngrok.startswith("ngrok") and "https://ngrok.com/download" in ngrok


def test_only_the_quick_tunnels_own_address_counts() -> None:
    found = [url for line in BANNER if (url := cloudflare_url(line))]
    assert found == [QUICK_URL]  # not cloudflare.com's terms in the banner


def test_ngroks_agent_api_answer_gives_the_https_tunnel_to_our_port() -> None:
    answer = {  # GET http://127.0.0.1:4040/api/tunnels
        "tunnels": [
            {
                "name": "command_line (http)",
                "public_url": "http://1a2b-203-0-113-5.ngrok-free.app",
                "proto": "http",
                "config": {"addr": "http://127.0.0.1:4321", "inspect": True},
            },
            {
                "name": "command_line",
                "public_url": "https://1a2b-203-0-113-5.ngrok-free.app",
                "proto": "https",
                "config": {"addr": "http://127.0.0.1:4321", "inspect": True},
            },
        ],
        "uri": "/api/tunnels",
    }
    assert ngrok_url(answer, 4321) == "https://1a2b-203-0-113-5.ngrok-free.app"
    assert ngrok_url(answer, 9999) is None
    assert ngrok_url({"tunnels": []}, 4321) is None
