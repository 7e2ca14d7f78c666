"""Start-up structure: what each command path imports (deterministic; timings are benchmarks').

``dlsolve --help`` lists every command from the table in dlsolve.cli without importing the
command modules; a command imports its own module and the solver it needs, and leaves SymPy,
Rich, numpy and the variant generator alone unless its work needs them.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from importlib import import_module

import click
import pytest
from conftest import PROBLEMS

from dlsolve.cli import COMMANDS, Funnel, LazyCommands, cli

HEAVY = ("sympy", "numpy", "rich", "dlsolve.generate")


def imported(args: list[str], tmp_path) -> set[str]:
    """The modules loaded by ``dlsolve ARGS`` run through the console entry point."""
    out = tmp_path / "modules.json"
    code = ("import json, sys\nfrom dlsolve.cli import main\n"
            "try:\n    main(sys.argv[2:])\nexcept SystemExit:\n    pass\n"
            "open(sys.argv[1], 'w').write(json.dumps(sorted(sys.modules)))\n")
    proc = subprocess.run([sys.executable, "-c", code, str(out), *map(str, args)],
                          capture_output=True, text=True)
    assert out.exists(), proc.stderr
    return set(json.loads(out.read_text()))


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """Those of ``names`` (packages included with their submodules) that were imported."""
    return sorted(n for n in names if any(m == n or m.startswith(n + ".") for m in modules))


def test_the_table_names_every_command_of_every_module():
    import dlsolve.commands

    modules = [m.name for m in pkgutil.iter_modules(dlsolve.commands.__path__)]
    defined = {cmd.name: module for module in modules
               for cmd in import_module(f"dlsolve.commands.{module}").COMMANDS}
    assert defined == {name: module for name, (module, _) in COMMANDS.items()}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_summary_is_the_docstrings_first_sentence(name):
    real = getattr(import_module(f"dlsolve.commands.{COMMANDS[name][0]}"), name)
    stand_in = click.Command(name, help=COMMANDS[name][1])
    assert stand_in.get_short_help_str(10_000) == real.get_short_help_str(10_000), \
        f"the summary of {name!r} in dlsolve.cli.COMMANDS differs from its docstring's"


@pytest.mark.parametrize("width", [50, 80, 100])
def test_listing_is_click_own_listing_of_the_loaded_commands(width):
    lazy = Funnel("dlsolve", commands=LazyCommands(COMMANDS))
    eager = click.Group("dlsolve", commands={name: cli.commands[name] for name in COMMANDS})
    texts = []
    for group in (lazy, eager):
        formatter = click.HelpFormatter(width=width)
        group.format_commands(click.Context(group), formatter)
        texts.append(formatter.getvalue())
    assert texts[0] == texts[1]
    assert texts[0].count("\n") == len(COMMANDS) + 1  # the heading, a line per command
    assert not lazy.commands.loaded


def test_unknown_command_still_suggests_the_near_name(runner):
    res = runner.invoke(cli, ["forwad"])
    assert res.exit_code == 2 and "Did you mean 'forward'?" in res.output


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["forward", "--help"]])
def test_help_and_version_import_no_solver(args, tmp_path):
    modules = imported(args, tmp_path)
    assert loaded(modules, HEAVY + ("yaml", "dlsolve.api", "dlsolve.spec.load", "dlsolve.steps",
                                    "dlsolve.solvers", "dlsolve.kernels", "dlsolve.render.base",
                                    "tempfile")) == []
    commands = sorted(m for m in modules if m.startswith("dlsolve.commands."))
    assert commands == (["dlsolve.commands.network"] if "forward" in args else [])


NUMERIC = [
    ["forward", PROBLEMS / "seed000-q4a-relu-network.yaml", "--format", "json"],
    ["backprop", PROBLEMS / "seed002-backprop-chain.yaml", "--format", "json"],
    ["softmax", "8", "5", "0", "--format", "json"],
    ["graph", "f = (x + y) * z", "--at", "x=-2,y=5,z=-4", "--format", "json"],
    ["convshape", PROBLEMS / "seed000-q3-convshape.yaml", "--format", "text"],
]


@pytest.mark.parametrize("args", NUMERIC, ids=lambda a: a[0])
def test_numeric_commands_import_only_their_own_command_module(args, tmp_path):
    modules = imported(args, tmp_path)
    assert loaded(modules, HEAVY + ("dlsolve.symbolic", "dlsolve.check")) == []
    commands = sorted(m for m in modules if m.startswith("dlsolve.commands."))
    assert len(commands) == 1, commands


def test_check_imports_neither_sympy_nor_the_generator(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("outputs: [0, -1.5]\nloss: 1.25\n")
    spec = PROBLEMS / "seed002-backprop-chain.yaml"
    for args in (["check", PROBLEMS / "seed000-q4a-relu-network.yaml", answers],
                 ["check", "--names", spec]):
        modules = imported([*args, "--format", "json"], tmp_path)
        assert loaded(modules, HEAVY + ("dlsolve.symbolic",)) == [], args


def test_generate_choices_are_the_generators_kinds():
    from dlsolve import generate, names

    assert names.GENERATED + ("all",) == generate.KINDS


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_symbolic_activation_proof_leaves_sympy_physics_alone(name, tmp_path):
    """simplify() imports sympy.physics.units on first use (about 0.15 s); the proofs' zero
    test reaches 0 by cancel first."""
    modules = imported(["activation", name, "--at", "0", "--symbolic", "--format", "json"],
                       tmp_path)
    assert "sympy" in modules
    assert loaded(modules, ("sympy.physics", "numpy", "rich", "dlsolve.generate")) == []
