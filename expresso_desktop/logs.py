"""Logging set-up: one private file under the data folder plus stderr, everything redacted.

Every handler formats through ``RedactingFormatter``: the *whole* record (message, traceback,
stack) is passed through ``core.privacy.redact``, so an exception's text (a SQL parameter dump,
a phone number in an error message) is masked like any message.

``LogLimiter`` keeps one noisy source from flooding the log: per key (a remote address, say) a
small token bucket; what it holds back is counted and said with the next line it lets through.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from expresso_desktop.core.privacy import redact
from expresso_desktop.settings import private_dir

LOG_FILE = "expresso.log"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then masks the whole text, traceback included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose files (the first one and each one a rollover starts) are readable
    by this user only: logs carry masked numbers, order text and customers' names."""

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        if os.name == "posix":
            os.fchmod(fd, 0o600)  # a log from an older version was made 0644
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


def configure_logging(log_dir: Path | None, *, verbose: bool = False) -> None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()  # a second call in one process must not leak the log file
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_dir is not None:
        private_dir(log_dir)
        handlers.append(
            PrivateRotatingFileHandler(
                log_dir / LOG_FILE, maxBytes=5_000_000, backupCount=3, encoding="utf-8"
            )
        )
    for handler in handlers:
        handler.setFormatter(RedactingFormatter(LOG_FORMAT))
        handler.setLevel(logging.DEBUG if verbose else logging.INFO)
        root.addHandler(handler)
    # aiohttp's access log repeats every webhook, and alembic narrates every migration step
    # (the store logs one line per upgrade itself): warnings only, unless asked.
    for chatty in ("aiohttp.access", "alembic"):
        logging.getLogger(chatty).setLevel(logging.DEBUG if verbose else logging.WARNING)


@dataclass
class _Bucket:
    tokens: float
    at: float
    held_back: int = 0


class LogLimiter:
    """Per-key token buckets for log lines an outsider can cause (an unsigned webhook, a
    guessed pairing code): ``burst`` lines at once per key, then one per ``every_s``.

    ``log(logger, level, key, msg, *args)`` writes the line if the key has a token left and
    returns True; otherwise it counts the line, and the next one written for that key says how
    many were held back. At most ``max_keys`` keys are remembered (the oldest is forgotten
    first), so a flood of sources cannot grow memory. Thread-safe."""

    def __init__(
        self,
        *,
        burst: int = 5,
        every_s: float = 60.0,
        max_keys: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst, self.every_s, self.max_keys = burst, every_s, max_keys
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def allow(self, key: str) -> tuple[bool, int]:
        """Spend a token of ``key``'s bucket: (allowed, lines held back since the last one)."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.pop(key, None) or _Bucket(float(self.burst), now)
            self._buckets[key] = bucket  # most recently used last
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) / self.every_s)
            bucket.at = now
            if bucket.tokens < 1:
                bucket.held_back += 1
                return False, 0
            bucket.tokens -= 1
            held_back, bucket.held_back = bucket.held_back, 0
            return True, held_back

    def log(self, logger: logging.Logger, level: int, key: str, msg: str, *args: object) -> bool:
        if not logger.isEnabledFor(level):
            return False
        allowed, held_back = self.allow(key)
        if not allowed:
            return False
        if held_back:
            msg, args = msg + " (%d more like it not logged)", (*args, held_back)
        logger.log(level, msg, *args)
        return True
