"""The command line contract: version, help, python -m, output files, formats, exit codes."""

import json
import subprocess
import sys

from conftest import PROBLEMS, run

import dlsolve


def test_version_and_help():
    res = run(["--version"])
    assert res.exit_code == 0
    assert res.stdout.strip() == f"dlsolve, version {dlsolve.__version__}"
    res = run(["--help"])
    assert res.exit_code == 0
    for command in ("convshape", "softmax", "activation", "solve"):
        assert command in res.stdout


def test_python_dash_m():
    proc = subprocess.run([sys.executable, "-m", "dlsolve", "softmax", "1", "2", "--format",
                           "json"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["results"]["probabilities"][1] > 0.73


def test_help_does_not_import_heavy_modules():
    code = ("import sys; from dlsolve.cli import cli\n"
            "try:\n    cli.main(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('numpy', 'sympy', 'rich', 'yaml') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_numeric_command_does_not_import_sympy_or_rich():
    code = ("import sys; from dlsolve.cli import main\n"
            "try:\n    main(['softmax', '8', '5', '0', '--format', 'json'])\n"
            "except SystemExit:\n    pass\n"
            "print('SYMPY' if 'sympy' in sys.modules else '', 'RICH' if 'rich' in sys.modules "
            "else '')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert out.rstrip("\n").split("\n")[-1].strip() == ""


def test_output_file_format_from_extension(tmp_path):
    out = tmp_path / "key.md"
    res = run(["softmax", "8", "5", "0", "-o", out])
    assert res.exit_code == 0 and res.stdout == ""
    assert out.read_text().startswith("## Softmax of [8, 5, 0]")
    out = tmp_path / "r.json"
    run(["softmax", "8", "5", "0", "-o", out])
    assert json.loads(out.read_text())["kind"] == "softmax"


def test_output_file_is_not_touched_on_error(tmp_path):
    out = tmp_path / "key.txt"
    out.write_text("old")
    res = run(["convshape", "--input", "4x4", "--kernel", "9", "--filters", "1", "-o", out])
    assert res.exit_code == 2
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["key.txt"]


def test_piped_default_is_plain_text():
    res = run(["softmax", "8", "5", "0"])
    assert "\x1b[" not in res.stdout
    assert res.stdout.startswith("Softmax of [8, 5, 0]\n====")


def test_solve_many_and_one_bad(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: softmax\nlogits: oops\n")
    res = run(["solve", PROBLEMS / "seed001-softmax-8-5-0.yaml", bad, "--format", "json"])
    assert res.exit_code == 2
    assert len(json.loads(res.stdout)["problems"]) == 1
    assert res.stderr.startswith(f"{bad}:2:9: logits: expected")


def test_solve_folder_every_format():
    for fmt in ("text", "markdown", "latex", "json", "rich"):
        res = run(["solve", PROBLEMS, "--format", fmt])
        assert res.exit_code == 0, res.output
        assert res.stdout


def test_solve_statements_and_answers_only():
    res = run(["solve", PROBLEMS / "seed000-q3-convshape.yaml", "--statements-only",
               "--format", "markdown"])
    assert "what is the output dimensionality" in res.stdout
    assert "15" not in res.stdout
    res = run(["solve", PROBLEMS / "seed000-q3-convshape.yaml", "--answers-only",
               "--format", "text"])
    assert "output shape = [15, 15, 8]" in res.stdout
    assert "Output size" not in res.stdout


def test_python_api():
    sol = dlsolve.solve(PROBLEMS / "seed000-q3-convshape.yaml")
    assert sol.results["output_shape"] == [15, 15, 8]
    sol = dlsolve.solve({"kind": "convshape", "input": [32, 32, 3], "filters": 8, "kernel": 3},
                        padding=1)
    assert sol.results["output_shape"] == [32, 32, 8]


def test_markdown_exam_key_is_well_formed():
    res = run(["solve", PROBLEMS, "--format", "markdown"])
    assert res.exit_code == 0
    text = res.stdout
    n = len(list(PROBLEMS.glob("*.yaml")))
    assert [line for line in text.splitlines() if line.startswith("## Problem ")][-1] \
        .startswith(f"## Problem {n}.")
    assert text.count("$$") % 2 == 0
    assert text.count("```mermaid") == text.count("```") // 2
    for block in text.split("\n\n"):
        rows = [r for r in block.splitlines() if r.startswith("|")]
        if rows:  # every row of a table has the header's number of cells
            cells = {len(r.replace("\\|", "").split("|")) for r in rows}
            assert len(cells) == 1, block
