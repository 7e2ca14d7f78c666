"""A transposed convolution as the direct convolution it equals (Dumoulin & Visin, 2016).

Insert s - 1 zeros between neighbouring input cells (the input grows to (n - 1)·s + 1), pad
each side with d(k - 1) - p zeros (output_padding more at the bottom/right), and slide the
effective kernel d(k - 1) + 1 (the kernel rotated 180°) at stride 1. The output size is then
(n - 1)·s + 1 + 2(d(k - 1) - p) + output_padding - (d(k - 1) + 1) + 1, which is the
transposed-convolution formula (n - 1)·s - 2p + d(k - 1) + output_padding + 1.
"""

from __future__ import annotations

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.spec.convshape import ConvShapeProblem
from dlsolve.steps import Heading, Note, Solution, Step


def _one(values: list[int]) -> int | list[int]:
    """A number when both axes agree, else [h, w]."""
    return values[0] if values[0] == values[1] else values


def equivalent(sol: Solution, spec: ConvShapeProblem) -> None:
    """The equivalent direct convolution, worked with the numbers of the first axis
    (both when they differ); results ``inserted_zeros``, ``equivalent_padding``,
    ``effective_kernel``."""
    assert isinstance(spec.padding, tuple)
    axes = list(zip(("H", "W"), spec.input[:2], spec.kernel, spec.stride, spec.padding,
                    spec.dilation, spec.output_padding))
    same = axes[0][1:] == axes[1][1:]
    zeros, pads, effs = [], [], []
    sol.add(Heading("The equivalent direct convolution"))
    for label, n, k, s, p, d, op in axes:
        zeros.append(s - 1)
        pads.append(d * (k - 1) - p)
        effs.append(d * (k - 1) + 1)
        if same and label == "W":
            continue
        _worked(sol, "" if same else f" ({label})", n, k, s, p, d, op)
    if min(pads) < 0:
        sol.add(Note("The equivalent padding is negative: the direct convolution crops that "
                     "many cells from each side instead of padding.", "warning"))
    sol.note("The equivalent padding P' = d(k - 1) - p is per side; output_padding adds that "
             "many more rows/columns at the bottom/right only and is not counted in P'.")
    sol.set("inserted_zeros", _one(zeros))
    sol.set("equivalent_padding", _one(pads))
    sol.set("effective_kernel", _one(effs))


def _worked(sol: Solution, axis: str, n: int, k: int, s: int, p: int, d: int, op: int) -> None:
    S, D, F, P = Sym("S"), Sym("D"), Sym("F"), Sym("P")
    eff, pad, grown = d * (k - 1) + 1, d * (k - 1) - p, (n - 1) * s + 1
    sol.add(Step(f"Zeros inserted between input cells{axis}", Sym("z"), S - Num(1),
                 Num(s) - Num(1), s - 1, approx=False, key="inserted_zeros"),
            Step(f"Input after inserting them{axis}", Sym("n'"),
                 E.Bracket("paren", Sym("n") - Num(1)) * S + Num(1),
                 E.Bracket("paren", Num(n) - Num(1)) * Num(s) + Num(1), grown, approx=False),
            Step(f"Padding per side{axis}", Sym("P'"),
                 D * E.Bracket("paren", F - Num(1)) - P,
                 Num(d) * E.Bracket("paren", Num(k) - Num(1)) - Num(p), pad, approx=False,
                 key="equivalent_padding"),
            Step(f"Effective kernel{axis}, rotated 180°, stride 1", Sym("F'"),
                 D * E.Bracket("paren", F - Num(1)) + Num(1),
                 Num(d) * E.Bracket("paren", Num(k) - Num(1)) + Num(1), eff, approx=False,
                 key="effective_kernel"),
            Step(f"Direct convolution output{axis}", Sym("out"),
                 Sym("n'") + Num(2) * Sym("P'") + Sym("output_padding") - Sym("F'") + Num(1),
                 Num(grown) + Num(2) * Num(pad) + Num(op) - Num(eff) + Num(1),
                 grown + 2 * pad + op - eff + 1, approx=False))


def solve_output_padding(sol: Solution, spec: ConvShapeProblem, target: tuple) -> None:
    """output_padding = wanted - ((n - 1)·s - 2p + d(k - 1) + 1), per axis (the spec layer
    has checked it lies in PyTorch's 0 <= output_padding < max(stride, dilation))."""
    assert isinstance(spec.padding, tuple)
    found = []
    axes = list(zip(("H", "W"), spec.input[:2], spec.kernel, spec.stride, spec.padding,
                    spec.dilation, target[:2]))
    same = axes[0][1:] == axes[1][1:]
    for label, n, k, s, p, d, want in axes[:1] if same else axes:
        base = (n - 1) * s - 2 * p + d * (k - 1) + 1
        op = want - base
        axis = "" if same else f" ({label})"
        sol.add(Step(f"Without output padding{axis}", Sym("out_0"),
                     E.Bracket("paren", Sym("n") - Num(1)) * Sym("S") - Num(2) * Sym("P")
                     + Sym("D") * E.Bracket("paren", Sym("F") - Num(1)) + Num(1),
                     E.Bracket("paren", Num(n) - Num(1)) * Num(s) - Num(2) * Num(p)
                     + Num(d) * E.Bracket("paren", Num(k) - Num(1)) + Num(1), base,
                     approx=False),
                Step(f"Output padding needed{axis}", Sym("output_padding"),
                     Sym("out") - Sym("out_0"), Num(want) - Num(base), op, approx=False,
                     key="output_padding"))
        found.append(op)
    if same:
        found *= 2
    sol.set("output_padding", found[0] if found[0] == found[1] else found)
