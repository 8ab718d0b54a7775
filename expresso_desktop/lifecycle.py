"""Long-running parts of a mode (listeners, senders, advertisers, a station's sync) share one
lifecycle: ``start()`` on the service loop, ``stop()`` in reverse order on shutdown.

A running process says so in its data folder (the organiser's LAN address, a station's sync
heartbeat) with its pid; ``process_alive`` tells another process whether that pid still runs,
so a file left behind by a killed process is not believed.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import Protocol


class Component(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def exit_promptly() -> None:
    """Call when a process has stopped its components and closed its databases and is about
    to return from ``main``: the interpreter's final garbage collections then skip the objects
    still alive. Measured on ``serve``: its ~170,000 objects made exiting take 1.6-2.2 s after
    everything had stopped (more on a busy machine); frozen, 0.1-0.2 s. Nothing is lost: what
    must be flushed or closed was closed before."""
    gc.freeze()


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` is running on this machine (an exited, unreaped one is not)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_alive(pid)
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, and belongs to someone else
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """On Linux, a process that exited but whose parent has not reaped it yet still answers
    signal 0; /proc says it is a zombie. Elsewhere we cannot tell cheaply: say no."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


if sys.platform == "win32":
    import ctypes

    def _windows_alive(pid: int) -> bool:
        # os.kill(pid, 0) would *terminate* the process on Windows: ask the kernel instead.
        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        try:
            code = ctypes.c_ulong()
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
