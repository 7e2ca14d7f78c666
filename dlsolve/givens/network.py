"""Givens of a network problem (forward, backprop): inputs, weights, biases, targets, the
learning rate and the loss; and the model's equations (z = Σ w·x + b, a = f(z), E, updates).

Named specs list every parameter by the exam's symbol; matrix specs give one weight matrix and
one bias vector per layer (each layer's vectors apart, never one ragged matrix).
"""

from __future__ import annotations

from typing import Any

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.kernels.network import Network, Unit, param_order
from dlsolve.steps import Equations, Figure, Given, given


def derive(spec: Any) -> tuple[list[Given], Equations]:
    net: Network = spec.net
    out = _vector("x", net.inputs, net.input_values, "inputs")
    out += _matrix_params(net) if net.weight_names else _named_params(net)
    if spec.targets is not None:
        out += _vector("t", target_names(net, spec), spec.targets, "targets")
    if spec.loss is not None:
        out.append(given("E", E.Text(spec.loss.title.split(",")[0]), "loss"))
    if spec.learning_rate is not None:
        out.append(given("eta", spec.learning_rate, "learning rate"))
        if spec.epochs != 1:
            out.append(given("epochs", spec.epochs, "epochs"))
    return out, Equations("The model", tuple(model_rows(net, spec)))


def _vector(symbol: str, names: list[str], values: list[float], meaning: str) -> list[Given]:
    """One given per name, or (more than eight) one vector, or (very many) a count."""
    if len(values) <= 8:
        return [given(n, v, meaning) for n, v in zip(names, values)]
    if len(values) > MAX_SHOWN:
        return [given(symbol, E.Text(f"{len(values)} values, as in the spec"), meaning)]
    return [given(symbol, list(values), f"{meaning} ({names[0]} to {names[-1]})")]


def _named_params(net: Network) -> list[Given]:
    biases = {u.bias for u in net.units.values()}
    names = param_order(net)
    return [given(n, net.params[n], "weights") for n in names if n not in biases] + \
        [given(n, net.params[n], "biases") for n in names if n in biases]


MAX_SHOWN = 400      # weights of a layer listed in full up to this many
MAX_UNIT_ROWS = 12   # units written one equation each up to this many, else per layer


def _matrix_params(net: Network) -> list[Given]:
    out = []
    for layer, (wn, bn) in enumerate(zip(net.weight_names, net.bias_names), 1):
        meaning = f"weights of layer {layer} (W[j][i]: from input i to unit j)"
        if len(wn) * len(wn[0]) > MAX_SHOWN:
            out.append(given(f"W{layer}", E.Text(f"{len(wn)} × {len(wn[0])} matrix, as in the "
                                                 "spec"), meaning))
            out.append(given(f"b{layer}", E.Text(f"{len(bn)} biases, as in the spec"),
                             f"biases of layer {layer}"))
            continue
        rows = [[net.params[w] if isinstance(w, str) else w for w in row] for row in wn]
        out.append(given(f"W{layer}", rows, meaning))
        out.append(given(f"b{layer}", [net.params[b] if isinstance(b, str) else b for b in bn],
                         f"biases of layer {layer}"))
    return out


def target_names(net: Network, spec: Any) -> list[str]:
    from dlsolve.solvers.loss import target_name

    if spec.loss is not None and spec.loss.name == "sparse_cce":
        return ["t"]
    n = len(net.outputs)
    return ["t"] if n == 1 else [target_name(o) for o in net.outputs]


def _weighted_sum(net: Network, u: Unit) -> E.Expr:
    terms: list[E.Expr] = []
    pairs = list(zip(u.sources, u.weights))
    if len(pairs) > 8:  # only the terms shown (elide keeps the first seven and the last)
        pairs = pairs[:7] + [pairs[-1]]
    for src, w in pairs:
        if isinstance(w, str):
            terms.append(E.Mul((Sym(src), Sym(w))))
        else:
            terms.append(Sym(src) if w == 1 else E.Mul((Num(w), Sym(src))))
    if isinstance(u.bias, str):
        terms.append(Sym(u.bias))
    elif u.bias:
        terms.append(Num(u.bias))
    if len(u.sources) > 8:
        hidden = len(u.sources) - 8
        terms = terms[:7] + [E.Elided(hidden)] + terms[7:]
        return E.Add(tuple(terms))
    return E.Add(tuple(E.elide(terms))) if len(terms) > 1 else terms[0]


def _activation(u: Unit, z: E.Expr) -> E.Expr:
    if u.act.softmax:
        return E.call("softmax", z)
    if u.act.fn.name == "linear":
        return z
    return E.Call(u.act.fn.fname, (z,))


def model_rows(net: Network, spec: Any) -> list[tuple[E.Expr, E.Expr]]:
    rows = _unit_rows(net) if len(net.units) <= MAX_UNIT_ROWS or not net.weight_names \
        else _layer_rows(net)
    if spec.targets is not None and spec.loss is not None:
        rows.append(_loss_row(net, spec))
    if spec.learning_rate is not None:
        w = Sym("w")
        rows.append((Sym("w_new"), w - E.Mul((Sym("eta"), E.Deriv(Sym("E"), w)))))
    return rows


def _layer_rows(net: Network) -> list[tuple[E.Expr, E.Expr]]:
    """z(l) = W(l)·a(l-1) + b(l), a(l) = f(z(l)), one pair per layer (a(0) the input)."""
    rows: list[tuple[E.Expr, E.Expr]] = []
    for k, layer in enumerate(net.layers, 1):
        z = Sym(f"z({k})")
        rows.append((z, E.Add((E.Mul((Sym(f"W{k}"), Sym(f"a({k - 1})"))), Sym(f"b{k}")))))
        rows.append((Sym(f"a({k})"), _activation(net.units[layer[0]], z)))
    return rows


def _unit_rows(net: Network) -> list[tuple[E.Expr, E.Expr]]:
    rows: list[tuple[E.Expr, E.Expr]] = []
    for layer in net.layers:
        for name in layer:
            u = net.units[name]
            z = Sym(u.zsym)
            rows.append((z, _weighted_sum(net, u)))
            rows.append((Sym(name), _activation(u, z)))
    return rows


def _loss_row(net: Network, spec: Any) -> tuple[E.Expr, E.Expr]:
    from dlsolve.solvers.loss import term_forms

    if spec.loss.name not in ("mse", "half_mse", "sse", "half_sse", "mae", "bce", "hinge"):
        return Sym("E"), E.Text(spec.loss.title)
    terms = [term_forms(spec.loss, Sym(t), Sym(o))
             for t, o in zip(target_names(net, spec), net.outputs)]
    body: E.Expr = E.Add(tuple(E.elide(terms))) if len(terms) > 1 else terms[0]
    if spec.loss.name in ("mse", "half_mse", "mae", "bce", "hinge") and len(terms) > 1:
        body = E.Bracket("paren", body) / Num(len(terms))
    return Sym("E"), body


def with_biases(fig: Figure, net: Network) -> Figure:
    """The figure with each unit's bias written at the unit ("b1 = 0.35", or the number)."""
    from dataclasses import replace

    from dlsolve.render.numbers import fmt_number

    biases = []
    for name, _ in fig.nodes:
        u = net.units.get(name)
        if u is None or u.bias is None:
            continue
        value = fmt_number(net.value(u.bias), 4)
        named = isinstance(u.bias, str) and net.form == "named"
        biases.append((name, f"{u.bias} = {value}" if named else f"b = {value}"))
    return replace(fig, biases=tuple(biases))
