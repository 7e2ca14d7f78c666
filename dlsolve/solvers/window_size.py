"""The output-size formula of a sliding window with its numbers substituted (conv and pool).

H_out = ⌊(H − F + 2P)/S⌋ + 1 per axis, as convshape and seed 000 Q3 write it; with dilation D
the window spans D(F − 1) + 1 cells; PyTorch's ceil_mode rounds up; TensorFlow's ``same``
padding gives ⌈H/S⌉.
"""

from __future__ import annotations

from dlsolve.expr import Bracket, Num, Sym
from dlsolve.kernels.convolution import Geometry
from dlsolve.steps import Step


def size_steps(h: int, w: int, kh: int, kw: int, g: Geometry,
               padding: object = None) -> list[Step]:
    """One step per axis: the formula, the numbers substituted, the size.

    ``padding`` is the spec's (``same`` gives ⌈H/S⌉); unknown (None), the form is the one
    that reproduces the geometry's size: floor, then ceil_mode, then same.
    """
    return [_axis(label, n, k, g.stride[a], g.dilation[a], g.pad[2 * a], g.pad[2 * a + 1],
                  g.out[a], padding == "same")
            for a, (label, n, k) in enumerate((("H", h, kh), ("W", w, kw)))]


def _axis(label: str, n: int, k: int, s: int, d: int, before: int, after: int,
          out: int, same: bool) -> Step:
    lhs = Sym(f"{label}_out")
    eff = d * (k - 1) + 1
    span = Sym("F") if d == 1 else Sym("D") * Bracket("paren", Sym("F") - Num(1)) + Num(1)
    span_n = Num(k) if d == 1 else Num(d) * Bracket("paren", Num(k) - Num(1)) + Num(1)
    for rnd, size in (("floor", (n - eff + 2 * before) // s + 1),
                      ("ceil", -(-(n - eff + 2 * before) // s) + 1)):
        if size == out and not same:
            formula = Bracket(rnd, Bracket("paren", Sym(label) - span + Num(2) * Sym("P"))
                              / Sym("S")) + Num(1)
            subst = Bracket(rnd, Bracket("paren", Num(n) - span_n + Num(2) * Num(before))
                            / Num(s)) + Num(1)
            more = (Bracket(rnd, Num(n - eff + 2 * before) / Num(s)) + Num(1),)
            note = None if rnd == "floor" else "rounded up (ceil_mode, as PyTorch)"
            return Step(f"Output {'height' if label == 'H' else 'width'}", lhs, formula, subst,
                        out, more=more, approx=False, note=note, key=_key(label))
    title = f"Output {'height' if label == 'H' else 'width'}"
    if out == -(-n // s):
        return Step(title + " ('same' padding)", lhs, Bracket("ceil", Sym(label) / Sym("S")),
                    Bracket("ceil", Num(n) / Num(s)), out, approx=False, key=_key(label),
                    note=f"padding {before} before, {after} after (TensorFlow's same)")
    return Step(title, lhs, Bracket("floor", Bracket("paren", Sym(label) - span + Sym("P_before")
                                                     + Sym("P_after")) / Sym("S")) + Num(1),
                Bracket("floor", Bracket("paren", Num(n) - span_n + Num(before) + Num(after))
                        / Num(s)) + Num(1), out, approx=False, key=_key(label))


def _key(label: str) -> str:
    return "output_height" if label == "H" else "output_width"
