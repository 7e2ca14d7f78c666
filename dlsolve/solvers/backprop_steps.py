"""The backward pass written out: dE/do, f'(z), the deltas, and each gradient's chain rule.

A parameter on a single chain to one output (the seeds' 1-1-1 networks) gets the chain rule
unrolled factor by factor: dE/dw1 = dE/da2 · da2/dz2 · dz2/da1 · da1/dz1 · dz1/dw1. Other
parameters get the delta form, dE/dw = delta_u · (the input w multiplies), with each hidden
delta expanded as f'(z_h) · Σ_k w_kh delta_k.
"""

from __future__ import annotations

from dataclasses import replace

from dlsolve import expr as E
from dlsolve.expr import Deriv, Num, Sym
from dlsolve.kernels import losses as L
from dlsolve.kernels.backprop import Backward, targets_row
from dlsolve.kernels.network import Network, Pass
from dlsolve.solvers.loss import target_name
from dlsolve.solvers.loss_gradient import derivative_form
from dlsolve.steps import Heading, Note, Solution, Step, TableStep

MAX_PARAM_STEPS = 24


def d(num: str, den: str) -> Deriv:
    return Deriv(Sym(num), Sym(den))


def dloss_form(loss: L.LossSpec, t: E.Expr, o: E.Expr, n: int) -> E.Expr:
    """dE/do for one output, in the loss's own terms (t, o as symbols or numbers)."""
    diff = E.Bracket("paren", t - o)
    per_n = (lambda e: e / Num(n)) if loss.name in L.MEAN and n > 1 else (lambda e: e)
    name = loss.name
    if name in ("half_sse", "half_mse"):
        return per_n(-diff)
    if name in ("sse", "mse"):
        return per_n(-(Num(2) * diff))
    if name == "mae":
        return per_n(E.call("sign", o - t))
    if name == "hinge":
        return per_n(E.Cases(((-t, E.Relation(t * o, "<", Num(1))), (Num(0), None))))
    if name == "bce":
        if loss.from_logits:
            return per_n(E.call("sigma", o) - t)
        return per_n(-(t / o) + E.Bracket("paren", Num(1) - t) / E.Bracket("paren", Num(1) - o))
    if loss.from_logits:
        return E.call("softmax", o) - t
    return -(t / o)


def share(b: Backward, form: E.Expr) -> E.Expr:
    """A sample's share of a batch mean: (1/N)·form (the form itself otherwise)."""
    if b.scale == 1:
        return form
    n = round(1 / b.scale)
    return E.Mul((Num(1) / Num(n), E.Bracket("paren", form)))


def output_steps(sol: Solution, net: Network, p: Pass, b: Backward, loss: L.LossSpec,
                 targets: list[float], chained: bool = False) -> None:
    """dE/do and the output deltas (``chained``: every gradient is unrolled as a chain rule
    below, so the deltas are full-detail working)."""
    n = len(net.outputs)
    sol.add(Heading("Backward pass: output layer"))
    if b.softmax_ce:
        t = [1.0 if k == int(targets[0]) else 0.0 for k in range(n)] \
            if loss.name == "sparse_cce" else targets
        sol.add(Note("Softmax with cross-entropy: dE/dz_k = p_k - t_k (the softmax Jacobian "
                     "and -t/p cancel)."))
        for o, tk in zip(net.outputs, t):
            sol.add(Step(f"Delta of {o}", Sym(f"delta_{o}"), share(b, Sym(o) - Sym(_tname(o, n))),
                         share(b, Num(p.values[o]) - Num(tk)), value=b.delta[o],
                         key=f"delta_{o}"))
        return
    if b.direct:
        sol.add(Note("Sigmoid with binary cross-entropy: δ = ∂E/∂z = (ŷ - y)/n (σ′ = ŷ(1 - ŷ) "
                     "cancels the 1/(ŷ(1 - ŷ)) of the loss's derivative), as softmax with "
                     "cross-entropy gives p - y."))
    tnums = targets_row(loss, targets, n)
    outs = [p.values[o] for o in net.outputs]
    tsyms = [Sym(_tname(o, n)) for o in net.outputs]
    for k, o in enumerate(net.outputs):
        tsym, tval = tsyms[k], tnums[k]
        sol.add(Step(f"Loss gradient at {o}", d("E", o),
                     share(b, derivative_form(loss, tsyms, [Sym(u) for u in net.outputs], k, n,
                                              (tnums, outs))),
                     share(b, derivative_form(loss, [Num(v) for v in tnums],
                                              [Num(v) for v in outs], k, n, (tnums, outs))),
                     value=b.output_grad[o],
                     detail="full" if o in b.direct else "exam"))
        if o in b.direct:
            diff = Sym(o) - tsym
            num = Num(p.values[o]) - Num(tval)
            sol.add(Step(f"Delta of {o} (ŷ - y)", Sym(f"delta_{o}"),
                         share(b, diff / Num(n) if n > 1 else diff),
                         share(b, num / Num(n) if n > 1 else num),
                         value=b.delta[o], key=f"delta_{o}"))
            unit_delta_steps(sol, net, p, b, o, "full")
            continue
        unit_delta_steps(sol, net, p, b, o, compact=chained)


def _tname(o: str, n: int) -> str:
    return "t" if n == 1 else target_name(o)


def unit_delta_steps(sol: Solution, net: Network, p: Pass, b: Backward, name: str,
                     detail: str = "exam", compact: bool = False) -> None:
    """f'(z_u) and delta_u = dE/du · (dropout factor) · f'(z_u) (softmax hidden groups: the
    Jacobian form); ``compact``: the delta line is full-detail working (a chain rule below
    carries it)."""
    u = net.units[name]
    if u.act.softmax:
        sol.add(Step(f"Delta of {name} (softmax: p_j(g_j - Σ_k g_k p_k))", Sym(f"delta_{name}"),
                     value=b.delta[name], key=f"delta_{name}", detail=detail))
        return
    fn, z, zs = u.act.fn, p.z[name], u.zsym
    kink = next((n for n in b.kink_notes if n.startswith(name + ":")), None)
    fsub = fn.dsubstituted(z, p.activation(name), u.act.params)
    # the derivative alone when a chain rule below uses it; else inside the delta line
    sol.add(Step(f"Activation derivative of {name}", d(name, zs),
                 fn.dexpr(Sym(zs), Sym(name), u.act.params), fsub, value=b.fprime[name],
                 note=kink.split(": ", 1)[1] if kink else None,
                 detail=detail if compact else "full"))
    if detail == "full" and name in b.direct:
        return
    factors, nums = [d("E", name), d(name, zs)], [Num(b.dE_da.get(name, 0.0)),
                                                  Num(b.fprime[name] or 0.0)]
    if name in p.factor:  # inverted dropout: ∂a/∂f = m/(1 - p)
        factors.insert(1, Sym("m/(1-p)"))
        nums.insert(1, Num(p.factor[name]))
    subst = list(nums)
    subst[-1] = E.Bracket("paren", fsub) if isinstance(fsub, (E.Add, E.Mul, E.Neg)) else fsub
    sol.add(Step(f"Delta of {name}", Sym(f"delta_{name}"), E.Mul(tuple(factors)),
                 E.Mul(tuple(subst)), value=b.delta[name], key=f"delta_{name}",
                 more=(E.Mul(tuple(nums)),) if not compact else (),
                 note=kink.split(": ", 1)[1] if kink and not compact else None,
                 detail="full" if compact else detail))


def consumers(net: Network, name: str) -> list[tuple[str, E.Expr, float]]:
    """(consumer unit, weight symbol, weight value) for every unit fed by ``name``."""
    return [(c, Sym(w) if isinstance(w, str) else Num(w), net.value(w))
            for c, w in net.consumers(name)]


def hidden_steps(sol: Solution, net: Network, p: Pass, b: Backward,
                 params: dict[str, float], chained: bool = False) -> None:
    for li in range(len(net.layers) - 2, -1, -1):
        layer = net.layers[li]
        sol.add(Heading(f"Backward pass: layer {li + 1} (hidden)"))
        shown = layer if len(layer) <= 16 else layer[:3]
        for name in shown:
            cons = consumers(net, name)
            sym = [E.Mul((Sym(f"delta_{c}"), w)) for c, w, _ in cons]
            num = [E.Mul((Num(b.delta[c]), Num(net.value(_weight_of(net, c, name), params))))
                   for c, _, _ in cons]
            if name in net.outputs:
                sym.append(d("E", name))
                num.append(Num(b.output_grad[name]))
            sol.add(Step(f"Error reaching {name} (weights before the update)", d("E", name),
                         E.Add(tuple(E.elide(sym))) if sym else Num(0),
                         E.Add(tuple(E.elide(num))) if num else Num(0),
                         value=b.dE_da.get(name, 0.0), detail="full" if chained else "exam"))
            unit_delta_steps(sol, net, p, b, name, compact=chained)
        if len(shown) < len(layer):
            rest = layer[len(shown):]
            sol.add(Note(f"{rest[0]}{' … ' + rest[-1] if len(rest) > 1 else ''} (the other "
                         f"{len(rest)} units) are worked the same way (table below)."))
        sol.add(delta_table(net, p, b, layer, f"Layer {li + 1} deltas"))


def _weight_of(net: Network, consumer: str, source: str) -> str | float:
    u = net.units[consumer]
    return u.weights[u.sources.index(source)]


def delta_table(net: Network, p: Pass, b: Backward, layer: list[str], title: str) -> TableStep:
    rows = [(n, p.z[n], b.dE_da.get(n, ""), "" if b.fprime.get(n) is None else b.fprime[n],
             b.delta[n]) for n in layer]
    if len(rows) > 40:
        rows = rows[:35] + [("…", "", "", "", "")] + rows[-4:]
    # a layer worked unit by unit above is repeated by its table: full detail only
    return TableStep(title, ("unit", "z", "∂E/∂a", "f′(z)", "δ"), tuple(rows),
                     detail="full" if len(layer) <= 16 else "exam")


def uses(net: Network, param: str) -> list[tuple[str, str | None]]:
    """(unit, source) for each use of a parameter; source None for a bias."""
    return net.uses(param)


def chain(net: Network, unit: str, loss: L.LossSpec, b: Backward) -> list[str] | None:
    """The units from ``unit`` to a single output, when that path is the only one."""
    if b.softmax_ce or loss.name not in L.ELEMENTWISE:
        return None
    path = [unit]
    while path[-1] not in net.outputs:
        cons = consumers(net, path[-1])
        if len(cons) != 1:
            return None
        path.append(cons[0][0])
    if len(consumers(net, path[-1])) or net.units[path[-1]].act.softmax:
        return None
    return path


def chained(net: Network, p: Pass, b: Backward, loss: L.LossSpec, order: list[str]) -> bool:
    """True when every gradient is written as one unrolled chain rule (a 1-1-1 chain)."""
    return all(_path(net, p, b, loss, k) for k in order[:MAX_PARAM_STEPS])


def _path(net: Network, p: Pass, b: Backward, loss: L.LossSpec, param: str) -> list[str] | None:
    us = uses(net, param)
    path = chain(net, us[0][0], loss, b) if len(us) == 1 else None
    return None if path is None or any(u in p.factor or u in b.direct for u in path) else path


def gradient_steps(sol: Solution, net: Network, p: Pass, b: Backward, loss: L.LossSpec,
                   params: dict[str, float], order: list[str]) -> None:
    sol.add(Heading("Gradients"))
    n = len(net.outputs)
    for param in order[:MAX_PARAM_STEPS]:
        us = uses(net, param)
        path = _path(net, p, b, loss, param)
        if path:
            sol.add(_chain_step(net, p, b, loss, params, param, us[0][1], path, n))
            continue
        if len(us) == 1 and not net.units[us[0][0]].act.softmax and us[0][0] not in p.factor:
            sol.add(replace(_unit_chain_step(net, p, b, param, *us[0]), detail="full",
                            key=None))
        sym = [E.Mul((Sym(f"delta_{u}"), Sym(s))) if s else Sym(f"delta_{u}") for u, s in us]
        num = [E.Mul((Num(b.delta[u]), Num(p.values[s]))) if s else Num(b.delta[u])
               for u, s in us]
        if len(us) == 1 and us[0][1] is None:  # a bias of one unit: ∂E/∂b = δ
            sym, num = [Sym(f"delta_{us[0][0]}")], [Num(b.delta[us[0][0]])]
        sol.add(Step(f"Gradient of {param}", d("E", param), E.Add(tuple(E.elide(sym))),
                     E.Add(tuple(E.elide(num))), value=b.grads[param], key=f"grad_{param}"))
    from dlsolve.solvers.training_steps import announce_rest

    announce_rest(sol, order, MAX_PARAM_STEPS, "computed the same way")


def _unit_chain_step(net: Network, p: Pass, b: Backward, param: str, unit: str,
                     src: str | None) -> Step:
    """dE/dw = dE/du · du/dz_u · dz_u/dw, the first factor from the unit's table above."""
    u = net.units[unit]
    zs = u.zsym
    derivs = E.Mul((d("E", unit), d(unit, zs), d(zs, param)))
    fprime = u.act.fn.dexpr(Sym(zs), Sym(unit), u.act.params)
    nums = E.Mul((Num(b.dE_da.get(unit, 0.0)), Num(b.fprime[unit] or 0.0),
                  Num(p.values[src]) if src else Num(1)))
    return Step(f"Chain rule for {param}", d("E", param), derivs,
                E.Mul((d("E", unit), E.Bracket("paren", fprime) if isinstance(
                    fprime, (E.Add, E.Cases)) else fprime, Sym(src) if src else Num(1))),
                value=b.grads[param],
                more=(nums,), key=f"grad_{param}")


def _chain_step(net: Network, p: Pass, b: Backward, loss: L.LossSpec,
                params: dict[str, float], param: str, src: str | None, path: list[str],
                n: int) -> Step:
    out = path[-1]
    derivs = [d("E", out)]
    forms = [share(b, dloss_form(loss, Sym(_tname(out, n)), Sym(out), n))]
    nums: list[E.Expr] = [Num(b.output_grad[out])]
    for upper, lower in zip(reversed(path), list(reversed(path))[1:] + [None]):
        u = net.units[upper]
        derivs.append(d(upper, u.zsym))
        forms.append(u.act.fn.dexpr(Sym(u.zsym), Sym(upper), u.act.params))
        nums.append(Num(b.fprime[upper] or 0.0))
        if lower is not None:
            w = _weight_of(net, upper, lower)
            derivs.append(d(u.zsym, lower))
            forms.append(Sym(w) if isinstance(w, str) else Num(w))
            nums.append(Num(net.value(w, params)))
    derivs.append(d(net.units[path[0]].zsym, param))
    forms.append(Sym(src) if src else Num(1))
    nums.append(Num(p.values[src]) if src else Num(1))
    return Step(f"Chain rule for {param}", d("E", param), E.Mul(tuple(derivs)),
                E.Mul(tuple(E.Bracket("paren", f) if isinstance(f, (E.Add, E.Neg, E.Cases))
                            else f for f in forms)), value=b.grads[param],
                more=(E.Mul(tuple(nums)),), key=f"grad_{param}")
