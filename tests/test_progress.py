"""Progress bars: drawn on stderr when it is a terminal and the run is long, silent when piped."""

from __future__ import annotations

import io
import sys

import pytest
from click.testing import CliRunner

from dlsolve import progress
from dlsolve.cli import cli


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_piped_stderr_is_not_interactive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert not progress.interactive()
    items = list(range(50))
    assert progress.track(items, "x") is items


def test_bar_drawn_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    err = Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    assert list(progress.track(range(30), "grading", total=30)) == list(range(30))
    assert "grading" in err.getvalue()


def test_short_runs_show_no_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    err = Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    assert list(progress.track([1, 2, 3], "solving")) == [1, 2, 3]
    assert err.getvalue() == ""


def test_status_spinner_only_when_interactive(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with progress.status("compiling"):
        pass
    assert err.getvalue() == ""


def test_generate_piped_has_no_bar(tmp_path) -> None:
    result = CliRunner().invoke(cli, ["generate", "softmax", "--count", "25", "-o",
                                       str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "━" not in result.output
    assert len(list(tmp_path.glob("*.yaml"))) == 25


def test_generate_interactive_draws_a_bar(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "interactive", lambda: True)
    shown = []
    real = progress._tracked

    def spy(items, description, total):
        shown.append((description, total))
        return real(items, description, total)

    monkeypatch.setattr(progress, "_tracked", spy)
    result = CliRunner().invoke(cli, ["generate", "softmax", "--count", "25", "-o",
                                       str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert shown == [("generating", 25)]
