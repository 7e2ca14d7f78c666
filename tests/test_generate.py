"""generate: reproducible variants that all solve, with nice numbers and no dead layers."""

import pytest
from conftest import run

import dlsolve
from dlsolve.generate import GENERATORS, variants


def test_same_seed_same_files(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert run(["generate", "all", "--seed", "11", "--count", "26", "-o", a]).exit_code == 0
    assert run(["generate", "all", "--seed", "11", "--count", "26", "-o", b]).exit_code == 0
    names = sorted(p.name for p in a.iterdir())
    assert len(names) == 52 and names == sorted(p.name for p in b.iterdir())
    for name in names:
        assert (a / name).read_text() == (b / name).read_text()


def test_different_seeds_differ():
    one = [s for _, s in variants("forward", 1, 5)]
    two = [s for _, s in variants("forward", 2, 5)]
    assert one != two


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_every_variant_solves(kind):
    for _, spec in variants(kind, 4, 12):
        sol = dlsolve.solve(dict(spec))
        assert sol.results


def test_generated_folder_solves_as_an_exam(tmp_path):
    run(["generate", "all", "--seed", "2", "--count", "24", "-o", tmp_path])
    res = run(["solve", tmp_path, "--format", "markdown"])
    assert res.exit_code == 0
    assert res.stdout.count("## Problem ") == 24


def test_no_all_dead_relu_layers():
    for _, spec in variants("forward", 9, 40):
        r = dlsolve.solve(dict(spec)).results
        if spec["layers"][0]["activation"] == "relu":
            assert any(r["layer_outputs"][0]) and any(r["outputs"])


def test_conv_shapes_tile():
    for _, spec in variants("convshape", 3, 30):
        assert dlsolve.solve(dict(spec)).results["fits"] is True
