"""The command line as a user runs it: real subprocesses of ``python main.py``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from expresso_desktop.cli.main import build_parser, main
from tests.paths import REPO
from tests.sms_schema import assert_schema


def run(
    *args: str, stdin: bytes | None = None, data_dir: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    if data_dir is not None:
        env["EXPRESSO_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, str(REPO / "main.py"), *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_help_lists_the_subcommands() -> None:
    out = run("--help")
    assert out.returncode == 0
    for word in ("organiser", "barista", "serve", "parse-sms", "--data-dir", "--version"):
        assert word in out.stdout.decode()


def test_version() -> None:
    out = run("--version")
    assert out.returncode == 0 and out.stdout.decode().startswith("Expresso 0.")


def test_parse_sms_texts_one_json_per_line() -> None:
    out = run("parse-sms", "Large oat flat white for Sam at station 2", "STATUS")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.decode().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first == {
        "intent": "order",
        "items": [
            {
                "drink": "flat white",
                "size": "large",
                "milk": "oat",
                "sugar": 0,
                "quantity": 1,
                "extras": [],
            }
        ],
        "station": 2,
        "name": "Sam",
    }
    assert json.loads(lines[1])["intent"] == "status"


def test_parse_sms_reads_stdin_and_survives_bad_input() -> None:
    hostile = [
        b"",
        b"latte " * 2000,  # ~12 kB
        bytes(range(1, 9)) + b"\xff\xfe\xfa junk",
        "😀😀😀".encode(),
        b"'; DROP TABLE orders; --",
        b"<script>alert(1)</script><img src=x>",
        b"cap 1 sugar skim",
    ]
    out = run("parse-sms", stdin=b"\n".join(hostile) + b"\n")
    assert out.returncode == 0, out.stderr
    results = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert len(results) == len(hostile)
    for obj in results:
        assert_schema(obj)
    assert results[0]["intent"] == "unknown"
    assert results[3]["intent"] == "unknown"
    assert results[4]["intent"] == "unknown"
    assert results[-1]["items"][0]["drink"] == "cappuccino"


def test_corrupt_database_is_a_clear_error_and_untouched(tmp_path: Path) -> None:
    data = tmp_path / "d"
    data.mkdir()
    db = data / "organiser.db"
    junk = b"this is not an sqlite file" * 100
    db.write_bytes(junk)
    out = run("--data-dir", str(data), "serve", "--webhook-port", "0")
    assert out.returncode == 2
    err = out.stderr.decode()
    assert str(db) in err and "Traceback" not in err
    assert db.read_bytes() == junk


@pytest.mark.parametrize("command", ["organiser", "barista"])
def test_gui_modes_are_known_commands(command: str) -> None:
    out = run(command, "--help")
    assert out.returncode == 0


def test_data_dir_and_verbose_before_or_after_the_command() -> None:
    parse = build_parser().parse_args
    assert parse(["--data-dir", "A", "serve"]).data_dir == "A"
    assert parse(["serve", "--data-dir", "B"]).data_dir == "B"
    assert parse(["--data-dir", "A", "serve", "--data-dir", "B"]).data_dir == "B"  # after wins
    assert parse(["station", "--data-dir", "S", "status", "--json"]).data_dir == "S"
    assert parse(["--data-dir", "A", "station", "status", "--data-dir", "S"]).data_dir == "S"
    assert parse(["devices", "revoke", "3", "-v"]).verbose is True
    assert parse(["-v", "devices", "list"]).verbose is True
    assert parse(["devices", "list"]).verbose is False and parse(["serve"]).data_dir is None


def test_a_first_run_prints_no_alembic_lines_unless_verbose(tmp_path: Path) -> None:
    quiet = run("devices", "list", "--data-dir", str(tmp_path / "quiet"))
    assert quiet.returncode == 0, quiet.stderr
    assert (tmp_path / "quiet" / "organiser.db").exists()
    assert b"alembic" not in quiet.stderr
    loud = run("devices", "list", "--data-dir", str(tmp_path / "loud"), "-v")
    assert loud.returncode == 0 and b"INFO alembic.runtime.migration" in loud.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ("serve --webhook-port 99999", "'99999' is not a port number"),
        ("serve --no-such-option", "unrecognized arguments: --no-such-option"),
        ("station", "the following arguments are required"),
        ("station status --data-dir {tmp}/none", "no station in {tmp}/none; pair it"),
        ("--data-dir {tmp}/file devices list", "cannot use {tmp}/file as the data"),
        ("purge-customer-data --data-dir {tmp}/none", "no organiser database"),
        (
            "devices pair --role display --url https://127.0.0.1:8443 --qr {tmp}/no/dir/qr.png",
            "cannot use {tmp}/no/dir/qr.png: No such file or directory",
        ),
    ],
)
def test_refusals_are_one_line(
    tmp_path: Path,
    args: str,
    says: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from expresso_desktop import logs

    monkeypatch.setattr(logs, "configure_logging", lambda *a, **k: None)  # no log file per call
    monkeypatch.setenv("EXPRESSO_DATA_DIR", str(tmp_path / "default"))
    (tmp_path / "file").write_text("not a folder")
    try:
        code = main(args.format(tmp=tmp_path).split())
    except SystemExit as exc:  # argparse's refusals
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith("expresso") and says.format(tmp=tmp_path) in err
