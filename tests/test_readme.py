"""The README's commands stay true: the two fresh-machine lines, and every example path."""

import re

from conftest import ROOT, run


def readme() -> str:
    return (ROOT / "README.md").read_text()


def test_first_block_has_the_two_commands():
    block = re.search(r"```sh\n(.*?)```", readme(), re.S).group(1).strip().splitlines()
    assert len(block) == 2
    assert "pip install ." in block[0] and "dlsolve solve problems/" in block[0]
    assert "pip install '.[test]'" in block[1] and "python -m pytest" in block[1]


def test_example_paths_exist():
    for path in set(re.findall(r"problems/[\w.-]+\.yaml", readme())):
        assert (ROOT / path).is_file(), path


def test_every_listed_command_exists():
    listed = set(re.findall(r"^\| `dlsolve (\w+)", readme(), re.M))
    help_text = run(["--help"]).stdout
    assert listed and all(name in help_text for name in listed)


def test_ci_reads_the_readme():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "README.md" in ci and "pytest collected no tests" in ci


def test_help_examples_use_bundled_problems():
    from dlsolve.cli import cli

    for name, command in cli.commands.items():
        text = run([name, "--help"]).stdout
        assert run([name, "--help"]).exit_code == 0
        for path in re.findall(r"problems/[\w.-]+\.yaml", text):
            assert (ROOT / path).is_file(), (name, path)
        assert command.help and "dlsolve " + name in text, name
