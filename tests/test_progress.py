"""The progress line long scans draw on a terminal's stderr, and the scan's progress calls."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.cli.progress import ProgressLine, stderr_progress
from compliance.scan import PROGRESS_EVERY, scan_repository
from tests.conftest import CliResult

RunCli = Callable[..., CliResult]


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _line(stream: io.StringIO, clock: FakeClock) -> ProgressLine:
    return ProgressLine(stream, clock=clock, width=200)


def test_short_scan_prints_nothing() -> None:
    tty, clock = FakeTTY(), FakeClock()
    line = _line(tty, clock)
    for i in range(1, 50):
        clock.now += 0.009  # 0.44 s in all
        line("parse", i, 0)
    line.close()
    assert tty.getvalue() == ""


def test_long_scan_draws_then_clears() -> None:
    tty, clock = FakeTTY(), FakeClock()
    line = _line(tty, clock)
    line("walk", 500, 0)
    clock.now += 0.6
    line("walk", 12345, 0)
    line("parse", 87, 0)  # same instant: throttled
    assert tty.getvalue() == "\rscanning: 12,345 files, 0 manifests parsed"
    clock.now += 0.2
    line("parse", 88, 0)
    text = "scanning: 12,345 files, 88 manifests parsed"
    assert tty.getvalue().endswith("\r" + text)
    line.close()
    assert tty.getvalue().endswith("\r" + " " * len(text) + "\r")
    assert "\n" not in tty.getvalue()
    size = len(tty.getvalue())
    line.close()  # a second close writes nothing
    assert len(tty.getvalue()) == size


def test_shorter_text_overwrites_the_longer_one() -> None:
    tty, clock = FakeTTY(), FakeClock()
    line = _line(tty, clock)
    clock.now += 1
    line("resolve", 0, 0)
    clock.now += 1
    line("walk", 10, 10)
    last = tty.getvalue().rsplit("\r", 1)[1]
    assert last.startswith("scanning: 10 files, 0 manifests parsed ")
    assert len(last) == len("scanning: 0 files, 0 manifests parsed, resolving licenses")


def test_updates_are_throttled() -> None:
    tty, clock = FakeTTY(), FakeClock()
    line = _line(tty, clock)
    clock.now += 1
    for i in range(1, 1001):  # 1,000 calls over 2 s
        clock.now += 0.002
        line("parse", i, 0)
    draws = tty.getvalue().count("\r")
    assert 15 <= draws <= 21  # about 10 a second
    assert tty.getvalue().endswith("manifests parsed") and "1,000" not in tty.getvalue()[:40]


def test_not_a_tty_never_writes() -> None:
    plain, clock = io.StringIO(), FakeClock()
    line = _line(plain, clock)
    clock.now += 5
    line("walk", 1000, 0)
    line.close()
    assert plain.getvalue() == ""


def test_long_line_is_cut_to_the_terminal_width() -> None:
    tty, clock = FakeTTY(), FakeClock()
    line = ProgressLine(tty, clock=clock, width=20)
    clock.now += 1
    line("walk", 5, 0)
    assert tty.getvalue() == "\r" + "scanning: 5 files, 0 manifests parsed"[:19]


def test_stderr_progress_is_off_when_quiet_or_not_a_tty() -> None:
    with stderr_progress(quiet=True) as progress:
        assert progress is None
    with stderr_progress() as progress:  # pytest captures stderr: not a terminal
        assert progress is None


def test_scan_reports_increasing_counts(tmp_path: Path) -> None:
    for i in range(3):
        pkg = tmp_path / f"pkg{i}"
        pkg.mkdir()
        (pkg / "requirements.txt").write_text(f"requests=={i}.0\n")
    filler = tmp_path / "src"
    filler.mkdir()
    for i in range(PROGRESS_EVERY + 10):
        (filler / f"f{i}.dat").write_text("")
    calls: list[tuple[str, int, int]] = []
    report = scan_repository(tmp_path, progress=lambda *a: calls.append(a))
    walks = [c for c in calls if c[0] == "walk"]
    parses = [c for c in calls if c[0] == "parse"]
    assert walks[0] == ("walk", PROGRESS_EVERY, 0)
    assert walks[-1] == ("walk", report.stats.files, report.stats.files)
    assert [c[1] for c in parses] == [1, 2, 3] == list(range(1, report.files_parsed + 1))
    assert [c[1] for c in walks] == sorted(c[1] for c in walks)
    assert calls[-1] == ("resolve", 0, 0)
    assert {c[0] for c in calls} == {"walk", "parse", "resolve"}


def test_scan_without_progress_still_works(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("requests==2.0\n")
    assert scan_repository(tmp_path).files_parsed == 1


@pytest.mark.parametrize("command", ["scan", "check"])
def test_cli_off_a_terminal_prints_no_progress(run_cli: RunCli, tmp_path: Path,
                                               command: str) -> None:
    (tmp_path / "requirements.txt").write_text("requests==2.0\n")
    result = run_cli(command, tmp_path)
    assert result.exit_code in (0, 1)
    assert "\r" not in result.stderr and "scanning:" not in result.stderr
