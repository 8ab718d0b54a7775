"""Logging set-up: one file under the data folder plus stderr, phone numbers masked."""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

from expresso_desktop.core.privacy import mask_phones_in

# Twilio-style secrets that must never reach a log line even by accident.
_SECRET_RE = re.compile(r"\b(AC|SK)[0-9a-fA-F]{32}\b")


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _SECRET_RE.sub(lambda m: m.group(1) + "…", mask_phones_in(message))
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def configure_logging(log_dir: Path | None, *, verbose: bool = False) -> None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()  # a second call in one process must not leak the log file
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        handlers.append(
            logging.handlers.RotatingFileHandler(
                log_dir / "expresso.log", maxBytes=5_000_000, backupCount=3, encoding="utf-8"
            )
        )
    for handler in handlers:
        handler.setFormatter(fmt)
        handler.addFilter(RedactingFilter())
        handler.setLevel(logging.DEBUG if verbose else logging.INFO)
        root.addHandler(handler)
    # aiohttp's access log repeats every webhook; keep it at warning unless asked.
    logging.getLogger("aiohttp.access").setLevel(logging.DEBUG if verbose else logging.WARNING)
