"""Shared fixtures: a CliRunner, JSON results of a command, paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dlsolve.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = ROOT / "problems"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(args: list[str], input: str | None = None):
    """Invoke dlsolve in-process; returns the click Result."""
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def results(args: list[str]) -> dict:
    """The ``results`` mapping of a command run with --format json (which must exit 0)."""
    res = run(list(args) + ["--format", "json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)["results"]


def write(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p
