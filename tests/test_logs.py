"""The log set-up: whole records (tracebacks included) are redacted, the files are private, and
a noisy source is held to a few lines."""

from __future__ import annotations

import logging
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from expresso_desktop.logs import LOG_FILE, LogLimiter, configure_logging
from expresso_desktop.services.organiser import build_organiser_services
from expresso_desktop.services.writer import Tx
from expresso_desktop.settings import AppPaths
from expresso_desktop.store.tables import Customer

log = logging.getLogger("expresso_desktop.tests.logs")
NAME = "Zebedee Quartermaine"  # a row value that must not reach the log
PHONE = "+61400123456"


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Callable[[], str]]:
    """``configure_logging`` as the CLI calls it; returns a reader of the file so far."""
    root = logging.getLogger()
    saved = list(root.handlers), root.level, logging.getLogger("aiohttp.access").level
    configure_logging(tmp_path / "logs")

    def read() -> str:
        for handler in root.handlers:
            handler.flush()
        return (tmp_path / "logs" / LOG_FILE).read_text(encoding="utf-8")

    yield read
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])
    logging.getLogger("aiohttp.access").setLevel(saved[2])


def test_a_database_error_logged_with_its_traceback_shows_no_row_values(
    tmp_path: Path, log_file: Callable[[], str]
) -> None:
    services = build_organiser_services(AppPaths(tmp_path / "organiser").ensure())
    try:

        def twice(tx: Tx) -> None:
            for _ in range(2):
                tx.session.add(Customer(phone=PHONE, name=NAME))
            tx.session.flush()

        with pytest.raises(sa.exc.IntegrityError) as raised:
            services.writer.run_sync(twice)
        log.error("could not store the customer", exc_info=raised.value)
    finally:
        services.close()
    text = log_file()
    assert "IntegrityError" in text and "Traceback" in text  # the bug is still told
    assert NAME not in text and PHONE not in text
    assert "+61 ••• ••• 456" not in text  # hidden at the source: not even masked


def test_the_formatter_masks_exception_text_from_any_engine(log_file: Callable[[], str]) -> None:
    """An engine opened elsewhere (without ``hide_parameters``): its parameter dump is cut from
    the traceback, and numbers and secrets in an exception's message are masked."""
    engine = sa.create_engine("sqlite://")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (phone TEXT UNIQUE, name TEXT)"))
        conn.execute(sa.text("INSERT INTO t VALUES (:p, :n)"), {"p": PHONE, "n": NAME})
        try:
            conn.execute(sa.text("INSERT INTO t VALUES (:p, :n)"), {"p": PHONE, "n": NAME})
        except sa.exc.IntegrityError:
            log.exception("duplicate")
    try:
        raise RuntimeError(f"gateway refused {PHONE} for account AC{'0' * 32}")
    except RuntimeError:
        log.exception("sending failed")
    text = log_file()
    assert "[parameters: hidden]" in text and "UNIQUE constraint failed" in text
    assert NAME not in text and PHONE not in text and "0" * 32 not in text
    assert "gateway refused +61 ••• ••• 456 for account AC…" in text


def test_log_files_are_private_also_after_a_rollover(log_file: Callable[[], str]) -> None:
    log.warning("first")
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, logging.FileHandler))
    path = Path(handler.baseFilename)
    handler.doRollover()  # type: ignore[attr-defined]
    log.warning("second")
    log_file()
    for file in (path, path.with_name(LOG_FILE + ".1")):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_source_gets_its_burst_then_one_line_per_period_with_a_count() -> None:
    now = [0.0]
    limiter = LogLimiter(burst=3, every_s=60, clock=lambda: now[0])
    assert [limiter.allow("10.0.0.1")[0] for _ in range(10)] == [True] * 3 + [False] * 7
    assert limiter.allow("10.0.0.2") == (True, 0)  # another source has its own bucket
    now[0] = 59
    assert limiter.allow("10.0.0.1") == (False, 0)
    now[0] = 60
    assert limiter.allow("10.0.0.1") == (True, 8)  # "8 more like it not logged"
    now[0] = 10_000
    assert [limiter.allow("10.0.0.1")[0] for _ in range(4)] == [True] * 3 + [False]


def test_the_limiter_remembers_a_bounded_number_of_sources() -> None:
    limiter = LogLimiter(burst=1, every_s=60, max_keys=100, clock=lambda: 0.0)
    for i in range(10_000):
        limiter.allow(f"10.{i}")
    assert len(limiter._buckets) == 100


def test_held_back_lines_are_counted_in_the_next_line(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    limiter = LogLimiter(burst=1, every_s=60, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger=log.name):
        for _ in range(5):
            limiter.log(log, logging.WARNING, "k", "refused %s", "x")
        now[0] = 60
        limiter.log(log, logging.WARNING, "k", "refused %s", "y")
    assert [r.getMessage() for r in caplog.records] == [
        "refused x",
        "refused y (4 more like it not logged)",
    ]
