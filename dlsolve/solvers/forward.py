"""The forward pass worked neuron by neuron, as exam answers write it.

For each unit: z_u = Σ source·weight + bias, written in symbols and with the numbers, then
u = f(z_u) with the number substituted. A table per layer, the outputs, and the loss when
the spec gives targets. Large layers are computed in full but shown elided.
"""

from __future__ import annotations

from dataclasses import replace

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.kernels import losses as L
from dlsolve.kernels.losses import LossSpec, convention
from dlsolve.kernels.network import Network, Pass, forward
from dlsolve.render.numbers import fmt_number
from dlsolve.solvers.loss import loss_steps
from dlsolve.solvers.network_record import record, record_chain
from dlsolve.spec.network import NetworkProblem
from dlsolve.steps import Figure, Heading, MatrixStep, Note, Solution, Step, TableStep

MAX_TERMS = 8       # terms of a weighted sum shown before eliding
MAX_UNITS = 16      # units of a layer worked in full before eliding
TABLE_ROWS = 40
MAX_EDGES = 40     # networks drawn as a figure


def solve(spec: NetworkProblem) -> Solution:
    net = spec.net
    sol = Solution("forward", "Forward pass: " + describe(net), answer=("outputs",))
    intro(sol, net)
    givens(sol, spec)
    batch = spec.samples
    passes = [forward(net, x=list(x), sample=s) for s, x in enumerate(batch.xs)]
    p = passes[0]
    if spec.batched:
        sol.add(Note(f"A batch of {len(batch)} samples: sample 1 is worked in full, the others "
                     "are tabulated."))
    dropout_note(sol, net)
    forward_steps(sol, net, p, spec.matrix_view)
    outputs_step(sol, net, p)
    record(sol, net, passes, spec.batched)
    if "predicted" in sol.results:
        sol.answer = ("outputs", "predicted")
    if spec.targets is not None and spec.loss is not None:
        from dlsolve.solvers.training_steps import forward_batch_loss

        loss_section(sol, net, p, spec.loss, spec.targets, spec.loss_defaulted)
        if spec.batched:
            forward_batch_loss(sol, net, spec.loss, batch, passes)
        else:
            sol.set("loss", L.sample(spec.loss, spec.targets, p.outputs(net)).loss)
        _chain_factors(sol, spec, passes)
        sol.answer = ("outputs", "loss") + (("predicted",) if "predicted" in sol.results
                                            else ())
    return sol


def _chain_factors(sol: Solution, spec: NetworkProblem, passes: list[Pass]) -> None:
    """dE/d(unit) and f'(z) results (O29: forward reports them when it has targets)."""
    from dlsolve.kernels.backprop import backward

    assert spec.loss is not None
    batch = spec.samples
    backs = [backward(spec.net, p, spec.loss, list(t), scale=batch.weight)
             for p, t in zip(passes, batch.ts)]
    record_chain(sol, spec.net, passes, backs, spec.batched)


def givens(sol: Solution, spec: NetworkProblem) -> None:
    """The problem's data in the exam's symbols: inputs, parameters, targets, step size."""
    net = spec.net
    xs = spec.samples.xs
    if spec.batched and len(xs) * len(xs[0]) > 200:
        sol.given("X", f"{len(xs)} × {len(xs[0])} (in the spec)", "inputs (one row per sample)")
    elif spec.batched:
        sol.given("X", [list(x) for x in xs], "inputs (one row per sample)")
    else:
        for name, v in zip(net.inputs, net.input_values):
            sol.given(name, v, "input")
    if net.form == "matrix" and len(net.params) > 40:
        sol.given("W", f"{len(net.params)} parameters (in the spec)", "weights and biases")
    else:
        for k in _layer_order(net):   # each layer's weights, then its biases
            sol.given(k, net.params[k], "bias" if k.startswith("b") else "weight")
    if spec.targets is not None:
        ts = spec.samples.ts
        if spec.batched and len(ts) * len(ts[0]) > 200:
            sol.given("T", f"{len(ts)} × {len(ts[0])} (in the spec)", "targets (one row per "
                      "sample)")
        elif spec.batched:
            sol.given("T", [list(t) for t in ts], "targets (one row per sample)")
        else:
            from dlsolve.solvers.loss import target_name

            one = len(spec.targets) == 1
            if spec.loss is not None and spec.loss.name == "sparse_cce":
                sol.given("y", spec.targets[0], "class index (0-based)")
            for o, t in zip(net.outputs if len(spec.targets) == len(net.outputs) else [],
                            spec.targets):
                sol.given("t" if one else target_name(o), t, "target")
    if spec.learning_rate is not None and spec.optimizer is None:
        sol.given("eta", spec.learning_rate, "learning rate")
    training_givens(sol, spec)


def _layer_order(net: Network) -> list[str]:
    """The parameters layer by layer: a layer's weights, then its biases (each named once)."""
    order: dict[str, None] = {}
    for layer in net.layers:
        units = [net.units[n] for n in layer]
        for w in [w for u in units for w in u.weights] + [u.bias for u in units]:
            if isinstance(w, str) and w in net.params:
                order.setdefault(w)
    return list(order) + [k for k in net.params if k not in order]


def training_givens(sol: Solution, spec: NetworkProblem) -> None:
    """Dropout masks and probabilities, the penalty's λ, the optimizer and its start state."""
    for li, drop in sorted(spec.net.dropout.items()):
        masks = [list(m) for m in drop.masks]
        if not masks:
            continue
        sol.given(f"m{li + 1}", masks[0] if len(masks) == 1 else masks,
                  f"dropout mask, layer {li + 1}")
        if drop.keep_given:
            sol.given("p_keep", 1 - drop.p, "keep probability")
        else:
            sol.given("p", drop.p, "drop probability")
    for name, lam in (("l2", spec.reg.l2), ("l1", spec.reg.l1)):
        if lam:
            sol.given("lambda", lam, f"{name.upper()} penalty" + (
                " (Keras form λ·Σw²)" if name == "l2" and spec.reg.l2_form == "keras" else ""))
    opt = spec.optimizer
    if opt is not None:
        sol.given("optimizer", opt.name, "update rule")
        for k, v in opt.hyper.items():
            if k in ("lr", "momentum", "beta1", "beta2", "eps", "alpha", "rho", "weight_decay") \
                    and (k == "lr" or v):
                sol.given({"eps": "epsilon", "momentum": "mu"}.get(k, k), v,
                          "momentum" if k == "momentum" else "hyper-parameter")
        for k, vals in opt.state.items():
            sol.given(k, ", ".join(f"{p} = {v:g}" for p, v in list(vals.items())[:6]) +
                      (" …" if len(vals) > 6 else ""), "start state")
        if opt.step:
            sol.given("t0", opt.step, "steps already taken")


def dropout_note(sol: Solution, net: Network) -> None:
    """Which layers drop units, with which convention (or that none does)."""
    for li, drop in sorted(net.dropout.items()):
        if not drop.masks:
            sol.add(Note(f"Dropout on layer {li + 1} has no mask: the layer is in eval mode "
                         "(inverted dropout scales only in training), so it does nothing."))
            continue
        prob = (f"keep probability {1 - drop.p:g} (CS231n's convention; p = 1 - keep = "
                f"{drop.p:g} dropped)" if drop.keep_given else
                f"drop probability p = {drop.p:g} (PyTorch's convention)")
        sol.add(Note(f"Dropout on layer {li + 1}: inverted dropout, a = f(z)·m/(1 - p) with the "
                     f"given mask m and {prob}; the next layer reads the scaled a, and the "
                     "dropped units pass no gradient back."))


def describe(net: Network) -> str:
    sizes = " → ".join([str(len(net.inputs))] + [str(len(layer)) for layer in net.layers])
    acts = ", ".join(dict.fromkeys(net.units[layer[0]].act.title for layer in net.layers))
    return f"{sizes} network ({acts})"


def figure(net: Network, params: dict[str, float] | None = None) -> Figure | None:
    """The network drawn with its weights on the edges (small networks only)."""
    if sum(len(u.sources) for u in net.units.values()) > MAX_EDGES:
        return None
    edges = [(s, u.name, _edge_label(net, w, params)) for layer in net.layers
             for u in (net.units[n] for n in layer) for s, w in zip(u.sources, u.weights)]
    nodes = [(i, 0) for i in net.inputs] + [(n, li + 1) for li, layer in enumerate(net.layers)
                                            for n in layer]
    return Figure("The network (weights on the edges)", tuple(nodes), tuple(edges))


def _edge_label(net: Network, w: str | float, params: dict[str, float] | None) -> str:
    value = fmt_number(net.value(w, params), 4)
    return f"{w} = {value}" if isinstance(w, str) and net.form == "named" else value


def intro(sol: Solution, net: Network) -> None:
    fig = figure(net)
    if fig is not None:
        sol.add(fig)
    if net.form == "matrix":
        sol.add(Note("Weights: W[j][i] is the weight from input i to unit j, so z = W·x + b "
                     "(wL_ji names layer L's weight into unit j from input i)."))
    else:
        sol.add(Note("Symbols are the exam's; the table of values gives their numbers."))


def weighted_sum(net: Network, name: str, values: dict[str, float],
                 params: dict[str, float] | None = None) -> tuple[E.Expr, E.Expr]:
    """z_u in symbols and with numbers substituted (long sums elided)."""
    u = net.units[name]
    sym, num = [], []
    for s, w in zip(u.sources, u.weights):
        if isinstance(w, float) and w == 1.0:
            sym.append(Sym(s))
            num.append(Num(values[s]))
        else:
            sym.append(E.Mul((Sym(s), Sym(w) if isinstance(w, str) else Num(w))))
            num.append(E.Mul((Num(values[s]), Num(net.value(w, params)))))
    if u.bias is not None:
        sym.append(Sym(u.bias) if isinstance(u.bias, str) else Num(u.bias))
        num.append(Num(net.value(u.bias, params)))
    if not sym:
        return Num(0), Num(0)
    return E.Add(tuple(E.elide(sym, MAX_TERMS))), E.Add(tuple(E.elide(num, MAX_TERMS)))


def forward_steps(sol: Solution, net: Network, p: Pass, matrix_view: bool = False,
                  params: dict[str, float] | None = None) -> None:
    """Every layer of one forward pass, unit by unit, then a summary table."""
    for li, layer in enumerate(net.layers):
        sol.add(Heading(net.layer_title(li)))
        if matrix_view:
            matrix_steps(sol, net, li, p, params)
        shown = layer if len(layer) <= MAX_UNITS else layer[:3]
        for name in shown:
            unit_steps(sol, net, name, p, params)
        if len(shown) < len(layer):
            sol.add(Note(f"… the other {len(layer) - len(shown)} units of this layer are worked "
                         f"the same way; their values are in the table (and all of them in JSON)."))
        rows = [(n, p.z[n], p.values[n]) for n in layer]
        if len(rows) > TABLE_ROWS:
            rows = rows[:TABLE_ROWS - 5] + [("…", "", "")] + rows[-4:]
        # every unit worked above: the summary repeats them (kept at full detail)
        sol.add(TableStep(f"Layer {li + 1} summary", ("unit", "z", "output"), tuple(rows),
                          detail="full" if len(shown) == len(layer) else "exam"))


def unit_steps(sol: Solution, net: Network, name: str, p: Pass,
               params: dict[str, float] | None = None) -> None:
    u = net.units[name]
    formula, subst = weighted_sum(net, name, p.values, params)
    sol.add(Step(f"Weighted sum into {name}", Sym(u.zsym), formula, subst,
                 value=p.z[name], key=f"z_{name}"))
    z = p.z[name]
    if u.act.softmax:
        group = [n for n in net.layers[u.layer - 1] if net.units[n].act.softmax]
        den = E.Add(tuple(E.elide([E.exp(Sym(net.units[g].zsym)) for g in group], MAX_TERMS)))
        den_n = E.Add(tuple(E.elide([E.exp(Num(p.z[g])) for g in group], MAX_TERMS)))
        sol.add(Step(f"Softmax output {name}", Sym(name), E.exp(Sym(u.zsym)) / den,
                     E.exp(Num(z)) / den_n, value=p.values[name], key=name))
    elif u.act.fn.name == "linear":
        sol.add(Step(f"Output of {name} (linear: no activation)", Sym(name), Sym(u.zsym),
                     value=p.activation(name), key=None if name in p.factor else name))
    else:
        sol.add(Step(f"Activation of {name}" + (" (before dropout)" if name in p.factor else ""),
                     Sym(name), E.Call(u.act.fn.fname,
                                                                 (Sym(u.zsym),)),
                     u.act.fn.substituted(z, u.act.params), value=p.activation(name),
                     key=None if name in p.factor else name))
    if name in p.factor:
        drop = net.dropout[u.layer - 1]
        m = p.factor[name] * (1 - drop.p)
        sol.add(Step(f"Dropout on {name} (mask {m:g})", Sym(name),
                     E.Mul((Sym(u.zsym) if u.act.fn.name == "linear" else
                            E.Call(u.act.fn.fname, (Sym(u.zsym),)), Sym("m"))) /
                     E.Bracket("paren", Num(1) - Sym("p")),
                     E.Mul((Num(p.activation(name)), Num(m))) / E.Bracket(
                         "paren", Num(1) - Num(drop.p)), value=p.values[name], key=name))


def matrix_steps(sol: Solution, net: Network, li: int, p: Pass,
                 params: dict[str, float] | None = None) -> None:
    """z = W·x + b for one layer, with the matrices."""
    layer = net.layers[li]
    srcs = net.units[layer[0]].sources
    w = [[net.value(x, params) for x in net.units[n].weights] for n in layer]
    b = [net.value(net.units[n].bias, params) for n in layer]
    sol.add(MatrixStep("Weights (rows: units, columns: inputs)", Sym(f"W{li + 1}"), w),
            MatrixStep("Input", Sym("x" if li == 0 else f"a{li}"), [[p.values[s]] for s in srcs]),
            MatrixStep("Bias", Sym(f"b{li + 1}"), [[v] for v in b]),
            MatrixStep("z = W·x + b", Sym(f"z{li + 1}"), [[p.z[n]] for n in layer]))


def outputs_step(sol: Solution, net: Network, p: Pass) -> None:
    outs = p.outputs(net)
    if len(outs) == 1:
        step = Step("Network output", Sym(net.outputs[0]), value=outs[0], key="outputs")
    else:
        step = Step("Network output", E.Seq(tuple(Sym(o) for o in net.outputs), "()"),
                    value=E.Seq(tuple(Num(v) for v in outs), "()"), key="outputs")
    repeat = len(outs) == 1  # the value was just worked as the last unit's
    sol.add(Heading("Outputs", detail="full" if repeat else "exam"),
            replace(step, detail="full") if repeat else step)
    if len(outs) > 1 and all(net.units[o].act.softmax for o in net.outputs):
        best = max(range(len(outs)), key=outs.__getitem__)
        sol.add(Note(f"The largest probability is {net.outputs[best]} = {outs[best]:.4g}: "
                     f"the most likely class is {net.outputs[best]} (index {best}, counting "
                     "from 0).", "conclusion"))
        sol.set("predicted_class", best)
        sol.set("predicted", net.outputs[best])


def loss_section(sol: Solution, net: Network, p: Pass, loss: LossSpec, targets: list[float],
                 defaulted: bool) -> float:
    sol.add(Heading("Loss"), Note(convention(loss)))
    if loss.name in L.LABELS_PM1:
        sol.note("Hinge loss takes labels ±1: target 0 is read as -1.")
    if defaulted:
        sol.note(f"No loss: was given; {loss.name} was used ({loss.title}).")
    res = loss_steps(sol, loss, targets, p.outputs(net), net.outputs, net.outputs)
    if len(net.outputs) == 1 and loss.name not in ("cce", "sparse_cce"):
        sol.add(Step("Loss", Sym("E"), Sym(f"E_{net.outputs[0]}"), value=res.loss, key="loss",
                     detail="full"))
    return res.loss
