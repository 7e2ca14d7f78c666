"""Solve a conv-shape equation for an unknown (padding, kernel, stride, filters or input).

SymPy solves the equation without the floor, (W - F + 2P)/S + 1 = W_out, for the unknown;
then every integer in a bounded range is tried against the real (floored) formula, so all
valid integer answers are listed, exact fits first, or the nearest candidates when none is.
"""

from __future__ import annotations

import sympy as sp

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.kernels.shapes import out_size
from dlsolve.spec.convshape import ConvShapeProblem
from dlsolve.steps import Heading, Note, Solution, Step
from dlsolve.symbolic import from_sympy

SYMBOL = {"padding": "P", "kernel": "F", "stride": "S", "input": "W"}


def solve_unknown(spec: ConvShapeProblem) -> Solution:
    u = spec.solve_for
    assert u is not None and spec.output_shape is not None
    target = spec.output_shape
    sol = Solution("convshape", f"Solve for the {u}: output {target[0]}×{target[1]}×{target[2]}",
                   answer=(u,))
    if u == "output_padding":
        from dlsolve.solvers.convshape_transposed import solve_output_padding

        solve_output_padding(sol, spec, target)
        return sol
    if u == "filters":
        sol.add(Step("The output has one channel per filter", Sym("K"), Sym("C_out"),
                     value=target[2], approx=False, key="filters"))
        sol.set("filters", target[2])
        sol.set("solutions", [target[2]])
        return sol
    per_dim: list[list[int]] = []
    same = _with(spec, 0, 0) == _with(spec, 1, 0) and target[0] == target[1] and \
        spec.dilation[0] == spec.dilation[1] and spec.output_padding[0] == spec.output_padding[1]
    for i, label in enumerate(("height", "width")):
        if same and i == 1:
            per_dim.append(per_dim[0])
            break
        sol.add(Heading("Height and width (equal)" if same else f"The {label}"))
        per_dim.append(_dimension(sol, spec, i, target[i]))
    first = [sols[0] if sols else None for sols in per_dim]
    value = first[0] if first[0] == first[1] else first
    sol.set(u, value)
    sol.set("solutions", per_dim[0] if per_dim[0] == per_dim[1] else per_dim)
    if value is None or None in first:
        sol.note(f"No integer {u} gives the requested output shape.")
    if spec.layer in ("conv", "transposed") and spec.filters and spec.filters != target[2]:
        sol.note(f"The target has {target[2]} channels but the layer has {spec.filters} filters.")
    return sol


def _dimension(sol: Solution, spec: ConvShapeProblem, i: int, target: int) -> list[int]:
    u = spec.solve_for
    assert u is not None
    known = {"input": spec.input[i], "kernel": spec.kernel[i], "stride": spec.stride[i],
             "padding": spec.padding if spec.padding == "same" else spec.padding[i]}
    d, op = spec.dilation[i], spec.output_padding[i]
    x = sp.Symbol(SYMBOL[u], integer=True, **({"nonnegative": True} if u == "padding" else
                                               {"positive": True}))
    vals = {k: (x if k == u else sp.Integer(v) if v != "same" else v) for k, v in known.items()}
    if vals["padding"] == "same":
        sol.add(Note("With 'same' padding the output is ceil(W/S): padding is not a free unknown.",
                     "warning"))
        vals["padding"] = sp.Integer(0)
    n, k, s, p = vals["input"], vals["kernel"], vals["stride"], vals["padding"]
    eff = d * (k - 1) + 1
    if spec.layer == "transposed":
        lhs = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
    else:
        lhs = (n - eff + 2 * p) / s + 1
    equation = sp.Eq(lhs, target)
    sol.add(Step("The shape formula with the known values", None,
                 E.Relation(_formula(spec, i, SYMBOL[u]), "=", Num(target))))
    exact = [r for r in sp.solve(equation, x) if r.is_real]
    sol.add(Step("Without the floor", None, E.Relation(from_sympy(lhs), "=", Num(target))))
    if exact:
        root = exact[0]
        sol.add(Step(f"SymPy solves for {SYMBOL[u]}", Sym(SYMBOL[u]),
                     value=int(root) if root.is_Integer else from_sympy(root)))
    found, near = _integer_solutions(spec, i, target)
    if found:
        exact_fit = [v for v in found if _fits(spec, i, v)]
        ordered = exact_fit + [v for v in found if v not in exact_fit]
        sol.add(Step(f"Integer {u} values giving {target} (with the floor)", Sym(SYMBOL[u]),
                     value=E.Seq(tuple(Num(v) for v in ordered), "{}"), approx=False,
                     note=(f"{exact_fit[0]} tiles the input exactly" if exact_fit else
                           "none tiles the input exactly; the floor drops rows/columns")))
        return ordered
    sol.add(Note(f"No integer {u} gives {target}. Nearest: " +
                 "; ".join(f"{u} = {v} gives {o}" for v, o in near), "warning"))
    return []


def _formula(spec: ConvShapeProblem, i: int, unknown: str) -> E.Expr:
    """The output-size formula of dimension i, numbers in, the unknown as a symbol."""
    n, k, s, p = (Sym(unknown) if v == -1 else Num(v) for v in _with(spec, i, -1)
                  if v != "same") if spec.padding != "same" else (Num(0),) * 4
    d, op = spec.dilation[i], spec.output_padding[i]
    eff = k if d == 1 else Num(d) * E.Bracket("paren", k - Num(1)) + Num(1)
    if spec.layer == "transposed":
        return (E.Bracket("paren", n - Num(1)) * s - Num(2) * p + Num(d) *
                E.Bracket("paren", k - Num(1)) + Num(op) + Num(1))
    return E.Bracket("floor", E.Bracket("paren", n - eff + Num(2) * p) / s) + Num(1)


def _with(spec: ConvShapeProblem, i: int, value: int) -> tuple:
    u = spec.solve_for
    dims = {"input": list(spec.input[:2]), "kernel": list(spec.kernel),
            "stride": list(spec.stride),
            "padding": list(spec.padding) if spec.padding != "same" else ["same", "same"]}
    dims[u][i] = value  # type: ignore[index]
    return dims["input"][i], dims["kernel"][i], dims["stride"][i], dims["padding"][i]


def _output(spec: ConvShapeProblem, i: int, value: int) -> int | None:
    n, k, s, p = _with(spec, i, value)
    d = spec.dilation[i]
    if spec.layer != "transposed" and p != "same" and d * (k - 1) + 1 > n + 2 * p:
        return None
    return out_size(n, k, s, p, d, spec.layer, spec.output_padding[i], spec.ceil_mode)[0]


def _fits(spec: ConvShapeProblem, i: int, value: int) -> bool:
    n, k, s, p = _with(spec, i, value)
    if spec.layer == "transposed" or p == "same":
        return True
    return (n - spec.dilation[i] * (k - 1) - 1 + 2 * p) % s == 0


def _integer_solutions(spec: ConvShapeProblem, i: int, target: int) -> tuple[list, list]:
    u = spec.solve_for
    lo = 0 if u == "padding" else 1
    hi = 4 * (max(spec.input[:2]) + max(spec.kernel) + target * max(spec.stride)) + 8
    tried = [(v, _output(spec, i, v)) for v in range(lo, hi)]
    found = [v for v, o in tried if o == target]
    valid = [(v, o) for v, o in tried if o is not None]
    near = sorted(valid, key=lambda t: (abs(t[1] - target), t[0]))[:3]
    return found, near


