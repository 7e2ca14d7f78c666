"""The gate patterns an answer names: what each kind of gate does to the gradient.

``pattern(gate)`` gives a short name (``add``, ``multiply``, ``max``, ...) and ``SAYS`` the
sentence an answer writes for it; ``reused`` is the rule for a value with several uses.
"""

from __future__ import annotations

from dlsolve.kernels.graph.core import Gate

SAYS = {
    "add": "add gate: distributes the upstream gradient unchanged to every input",
    "add constant": "+c gate: passes the upstream gradient on unchanged",
    "subtract": "subtract gate: passes the gradient to the first input and its negative "
                "to the second",
    "multiply": "multiply gate: swaps its inputs (each input's local gradient is the other "
                "input)",
    "scale": "multiply by a constant: scales the gradient by that constant",
    "negate": "*-1 gate: flips the sign of the gradient",
    "divide": "divide gate: ∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = -a/b²",
    "reciprocal": "1/x gate: local gradient -1/x²",
    "divide by constant": "divide by a constant c: scales the gradient by 1/c",
    "power": "power gate: ∂(x^c)/∂x = c·x^(c-1)",
    "power (variable exponent)": "power gate with a variable exponent: ∂(x^y)/∂x = y·x^(y-1), "
                                 "∂(x^y)/∂y = x^y·ln x",
    "exponential": "exp gate: its local gradient is its own output e^x",
    "log": "log gate: local gradient 1/x",
    "sqrt": "sqrt gate: local gradient 1/(2√x)",
    "abs": "abs gate: local gradient sign(x) (0 at x = 0, as PyTorch)",
    "max": "max gate: routes the gradient to the larger input (ties share it evenly)",
    "min": "min gate: routes the gradient to the smaller input (ties share it evenly)",
    "activation": "fused activation gate: one local gradient f'(x)",
    "fused sigmoid": "fused sigmoid gate: local gradient σ(1 - σ) from its own output",
    "matmul": "matrix multiply: dA = dY·B^T, dB = A^T·dY (shapes as A and B)",
    "sum": "sum gate: copies the gradient to every element",
    "mean": "mean gate: gives every element 1/n of the gradient",
    "transpose": "transpose gate: transposes the gradient back",
    "softmax": "softmax gate (each row): dx = y·(g - Σ g·y), y its output, g the upstream",
    "copy": "copy: passes the gradient on unchanged",
}
REUSED = "a reused value sums the gradients of its paths"


def pattern(g: Gate) -> str:
    """The short pattern name of a gate."""
    consts = [a for a in g.args if not isinstance(a, str)]
    if g.op == "add":
        return "add constant" if consts else "add"
    if g.op == "sub":
        return "subtract"
    if g.op == "mul":
        if consts == [-1.0]:
            return "negate"
        return "scale" if consts else "multiply"
    if g.op == "div":
        if not isinstance(g.args[1], str):
            return "divide by constant"
        return "reciprocal" if g.args[0] == 1.0 else "divide"
    if g.op == "pow":
        return "power (variable exponent)" if isinstance(g.args[1], str) else "power"
    if g.op == "neg":
        return "negate"
    if g.op == "id":
        return "copy"
    if g.op == "matmul":
        return "matmul"
    return _call_pattern(g)


def _call_pattern(g: Gate) -> str:
    own = {"exp": "exponential", "log": "log", "sqrt": "sqrt", "abs": "abs", "max": "max",
           "min": "min", "sum": "sum", "mean": "mean", "transpose": "transpose",
           "softmax": "softmax"}
    if g.fn in own:
        return own[g.fn]
    return "fused sigmoid" if g.fn == "sigmoid" else "activation"
