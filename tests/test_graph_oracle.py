"""The graph engine against oracles: torch autograd (float64) and central differences.

Random expressions (Hypothesis) over x, y, z with every function, reused values, ties of
max/min and kinks (inputs are small integers and halves, so relu(0), abs(0) and exact ties
come up often); gradients to 1e-9 of torch's. Smooth expressions are also checked against a
central difference. Matrix expressions (@, sum, transpose, broadcasting) likewise.
"""

import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dlsolve.kernels.activations import REGISTRY
from dlsolve.kernels.graph import GraphError, from_text

torch = pytest.importorskip("torch")
Fn = torch.nn.functional
D = torch.float64

ACTS = {
    "linear": lambda x, p: x, "sigmoid": lambda x, p: torch.sigmoid(x),
    "tanh": lambda x, p: torch.tanh(x), "relu": lambda x, p: Fn.relu(x),
    "relu6": lambda x, p: Fn.relu6(x), "leaky_relu": lambda x, p: Fn.leaky_relu(x, p["alpha"]),
    "prelu": lambda x, p: Fn.prelu(x, torch.tensor([p["alpha"]], dtype=D)),
    "elu": lambda x, p: Fn.elu(x, p["alpha"]), "selu": lambda x, p: Fn.selu(x),
    "celu": lambda x, p: Fn.celu(x, p["alpha"]), "gelu": lambda x, p: Fn.gelu(x),
    "gelu_tanh": lambda x, p: Fn.gelu(x, approximate="tanh"),
    "silu": lambda x, p: x * torch.sigmoid(p["beta"] * x), "mish": lambda x, p: Fn.mish(x),
    "softplus": lambda x, p: Fn.softplus(x, p["beta"]), "softsign": lambda x, p: Fn.softsign(x),
    "hardtanh": lambda x, p: Fn.hardtanh(x, p["min"], p["max"]),
    "hardsigmoid": lambda x, p: Fn.hardsigmoid(x), "hardswish": lambda x, p: Fn.hardswish(x),
    "logsigmoid": lambda x, p: Fn.logsigmoid(x), "tanhshrink": lambda x, p: Fn.tanhshrink(x),
    "softshrink": lambda x, p: Fn.softshrink(x, p["lambda"]),
    "hardshrink": lambda x, p: Fn.hardshrink(x, p["lambda"]), "sinc": lambda x, p: torch.sinc(x),
    "exponential": lambda x, p: torch.exp(x), "step": lambda x, p: x * 0 + (x >= 0).to(D),
}
OWN = {"exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt, "abs": torch.abs}
SMOOTH = ["exp", "tanh", "sigmoid", "gelu", "silu", "mish", "softplus", "logsigmoid",
          "tanhshrink", "elu", "celu", "selu"]
KINKY = ["abs", "relu", "relu6", "leaky_relu", "hardtanh", "hardswish", "softshrink",
         "hardshrink", "step", "prelu", "sinc", "softsign", "log", "sqrt", "linear",
         "exponential", "gelu_tanh", "hardsigmoid"]
PARAMS = {"leaky_relu": ("alpha", 0.1), "elu": ("alpha", 2.0), "celu": ("alpha", 0.5),
          "softplus": ("beta", 2.0), "silu": ("beta", 1.5), "softshrink": ("lambda", 1.0),
          "hardshrink": ("lambda", 1.0)}
VARS = ("x", "y", "z")


def trees(functions, kinks=True, names=VARS):
    leaf = st.one_of(st.sampled_from([("var", v) for v in names]),
                     st.sampled_from([("num", c) for c in (0.5, 1.0, 2.0, 3.0)]))

    def grow(sub):
        ops = [st.tuples(st.just("bin"), st.sampled_from("+-*/"), sub, sub),
               st.tuples(st.just("pow"), sub, st.sampled_from([2.0, 3.0])),
               st.tuples(st.just("neg"), sub),
               st.tuples(st.just("fn"), st.sampled_from(functions), sub, st.booleans())]
        if kinks:
            ops.append(st.tuples(st.just("ext"), st.sampled_from(["max", "min"]),
                                 st.lists(sub, min_size=2, max_size=3)))
            ops.append(st.tuples(st.just("vpow"), sub, sub))
        return st.one_of(*ops)

    return st.recursive(leaf, grow, max_leaves=8)


def text(t):
    kind = t[0]
    if kind == "var":
        return t[1]
    if kind == "num":
        return repr(t[1])
    if kind == "bin":
        return f"({text(t[2])} {t[1]} {text(t[3])})"
    if kind == "pow":
        return f"({text(t[1])}) ** {t[2]!r}"
    if kind == "vpow":
        return f"({text(t[1])}) ** ({text(t[2])})"
    if kind == "neg":
        return f"-({text(t[1])})"
    if kind == "ext":
        return f"{t[1]}({', '.join(text(a) for a in t[2])})"
    name, arg, with_param = t[1], text(t[2]), t[3]
    if with_param and name in PARAMS:
        key, value = PARAMS[name]
        return f"{name}({arg}, {key}={value!r})"
    return f"{name}({arg})"


def torch_eval(t, env):
    kind = t[0]
    if kind == "var":
        return env[t[1]]
    if kind == "num":
        return torch.tensor(t[1], dtype=D)
    if kind == "bin":
        a, b = torch_eval(t[2], env), torch_eval(t[3], env)
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b}[t[1]]
    if kind == "pow":
        return torch.pow(torch_eval(t[1], env), t[2])
    if kind == "vpow":
        return torch.pow(torch_eval(t[1], env), torch_eval(t[2], env))
    if kind == "neg":
        return -torch_eval(t[1], env)
    if kind == "ext":
        args = [torch_eval(a, env) for a in t[2]]
        if len(args) == 2:
            return (torch.maximum if t[1] == "max" else torch.minimum)(*args)
        return (torch.amax if t[1] == "max" else torch.amin)(torch.stack(args), dim=0)
    name, arg = t[1], torch_eval(t[2], env)
    if name in OWN:
        return OWN[name](arg)
    params = dict(REGISTRY[name].params)
    if t[3] and name in PARAMS:
        params[PARAMS[name][0]] = PARAMS[name][1]
    return ACTS[name](arg, params)


def torch_grads(t, point):
    env = {v: torch.tensor(point[v], dtype=D, requires_grad=True) for v in VARS}
    out = torch_eval(t, env)
    if out.requires_grad:
        out.backward()
    return out.item(), {v: (env[v].grad.item() if env[v].grad is not None else 0.0)
                        for v in VARS}


def dlsolve_grads(t, point):
    g = from_text(f"f = {text(t)}", VARS)
    ev = g.evaluate(point)
    return ev.values["f"], {v: ev.grads[v] for v in VARS}


POINTS = st.fixed_dictionaries({v: st.sampled_from([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
                                for v in VARS})
SETTINGS = dict(deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.filter_too_much])


def close(a, b, tol=1e-9):
    return abs(a - b) <= tol * max(1.0, abs(b))


@settings(max_examples=250, **SETTINGS)
@given(trees(SMOOTH + KINKY), POINTS)
def test_every_function_against_torch_autograd(t, point):
    try:
        value, grads = dlsolve_grads(t, point)
    except GraphError:
        assume(False)  # refused: a value or gradient is not finite here (tested apart)
    ref_value, ref = torch_grads(t, point)
    assume(abs(value) < 1e8 and all(abs(g) < 1e8 for g in grads.values()))
    tol = 1e-7 if "hardsigmoid" in text(t) else 1e-9  # torch's hardsigmoid' is a float32 1/6
    assert close(value, ref_value, tol), text(t)
    for v in VARS:
        assert close(grads[v], ref[v], tol), (text(t), v, grads[v], ref[v])


@settings(max_examples=100, **SETTINGS)
@given(trees(SMOOTH + KINKY, names=VARS), trees(SMOOTH + KINKY, names=VARS + ("a",)),
       trees(SMOOTH + KINKY, names=("a", "b", "x")), POINTS)
def test_programs_with_reused_nodes_against_torch(t1, t2, t3, point):
    program = f"a = {text(t1)}; b = {text(t2)} + a; f = {text(t3)} * a + b"
    try:
        ev = from_text(program, VARS).evaluate(point)
    except GraphError:
        assume(False)
    env = {v: torch.tensor(point[v], dtype=D, requires_grad=True) for v in VARS}
    env["a"] = torch_eval(t1, env)
    env["b"] = torch_eval(t2, env) + env["a"]
    out = torch_eval(t3, env) * env["a"] + env["b"]
    assume(all(abs(float(ev.grads[v])) < 1e8 for v in VARS) and abs(out.item()) < 1e8)
    if out.requires_grad:
        out.backward()
    tol = 1e-7 if "hardsigmoid" in program else 1e-9
    for v in VARS:
        ref = env[v].grad.item() if env[v].grad is not None else 0.0
        assert close(ev.grads[v], ref, tol), (program, v)


def central(t, point, v, h=1e-6):
    g = from_text(f"f = {text(t)}", VARS)
    plus, minus = dict(point), dict(point)
    plus[v] += h
    minus[v] -= h
    return (g.evaluate(plus).values["f"] - g.evaluate(minus).values["f"]) / (2 * h)


@settings(max_examples=150, **SETTINGS)
@given(trees(SMOOTH, kinks=False),
       st.fixed_dictionaries({v: st.floats(-1.5, 1.5).map(lambda a: round(a, 3)) for v in VARS}))
def test_smooth_expressions_against_central_differences(t, point):
    try:
        value, grads = dlsolve_grads(t, point)
        fds = {v: central(t, point, v) for v in VARS}
    except GraphError:
        assume(False)
    assume(abs(value) < 1e4 and all(abs(g) < 1e4 for g in grads.values()))
    for v in VARS:
        assert abs(grads[v] - fds[v]) <= 1e-5 * max(1.0, abs(fds[v])), (text(t), v)


MATRIX_EXPRS = [
    "Y = W @ x + b; f = sum(tanh(Y) * Y)",
    "H = relu(W @ X); f = sum(H * H) + sum(transpose(H))",
    "A = max(W, V, 0.5); B = min(W, V); f = sum(A @ transpose(B))",
    "s = x @ (W @ x); f = s * s + max(x)",
    "P = sigmoid(W) * V + b; f = mean(P) + sum(abs(P - 1))",
    "Z = W * x + b; f = sum(leaky_relu(Z, alpha=0.2) ** 2)",
    "r = x @ W; f = sum(r * x) + sum(transpose(X) @ W)",
    "A = softmax(W @ V); f = sum(A * W) + sum(softmax(x) * b) + sum(softmax(X) * X)",
]


@pytest.mark.parametrize("program", MATRIX_EXPRS)
@pytest.mark.parametrize("seed", range(4))
def test_matrix_expressions_against_torch(program, seed):
    gen = torch.Generator().manual_seed(seed)

    def rand(*shape):  # integers and halves: ties and kinks happen
        return (torch.randint(-4, 5, shape, generator=gen).to(D) / 2)

    data = {"W": rand(3, 3), "V": rand(3, 3), "X": rand(3, 2), "x": rand(3), "b": rand(3)}
    g = from_text(program, [k for k in data if k in program.replace("max", "")])
    ev = g.evaluate({k: data[k].tolist() for k in g.inputs})
    env = {k: data[k].clone().requires_grad_(True) for k in g.inputs}
    out = torch_program(program, env)
    out.backward()
    assert math.isclose(float(ev.values[g.output]), out.item(), rel_tol=1e-12, abs_tol=1e-12)
    for k in g.inputs:
        assert torch.allclose(torch.tensor(ev.grads[k], dtype=D), env[k].grad, rtol=1e-9,
                              atol=1e-12), k


def torch_program(program, env):
    """The same program in torch (the names and functions map one to one)."""
    def amax(*a):
        t = [x if torch.is_tensor(x) else torch.tensor(x, dtype=D) for x in a]
        if len(t) == 1:
            return torch.amax(t[0])
        b = torch.broadcast_tensors(*t)
        return torch.amax(torch.stack(b), dim=0) if len(t) > 2 else torch.maximum(*b)

    def amin(*a):
        t = [x if torch.is_tensor(x) else torch.tensor(x, dtype=D) for x in a]
        return torch.amin(t[0]) if len(t) == 1 else torch.minimum(*torch.broadcast_tensors(*t))

    scope = dict(env, tanh=torch.tanh, relu=Fn.relu, sigmoid=torch.sigmoid, abs=torch.abs,
                 transpose=lambda m: m.T, sum=torch.sum, mean=torch.mean, max=amax, min=amin,
                 softmax=lambda t: torch.softmax(t, -1),
                 leaky_relu=lambda z, alpha: Fn.leaky_relu(z, alpha))
    last = None
    for stmt in program.split(";"):
        name, expr = (s.strip() for s in stmt.split("=", 1))
        scope[name] = eval(expr, {"__builtins__": {}}, scope)  # test oracle only: fixed text
        last = name
    return scope[last]


def test_tie_of_three_shares_evenly():
    ev = from_text("f = max(x, y, z)", VARS).evaluate({"x": 1, "y": 1, "z": 1})
    assert [ev.grads[v] for v in VARS] == pytest.approx([1 / 3] * 3)
    ev = from_text("f = min(x, y, z)", VARS).evaluate({"x": 1, "y": 1, "z": 2})
    assert [ev.grads[v] for v in VARS] == [0.5, 0.5, 0.0]
