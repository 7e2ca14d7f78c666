"""Small vectors and matrices in plain Python, for the recurrent kernels.

Exam-size recurrent cells (a few units, a few steps) need a handful of matrix-vector products;
importing NumPy for them would cost more than the whole derivation. ``Vec`` is a list with
elementwise arithmetic (``+ - * / **`` with a Vec or a number, ``@`` a dot product); ``Mat``
a list of rows with ``@`` (matrix times vector or matrix) and ``.T``. Both have ``tolist()``,
``shape`` and ``ndim``; the graph engine evaluates on them in plain Python (``graph.lite``).

>>> v = Vec([1.0, 2.0])
>>> (1 - v * v).tolist(), Mat([[1, 2], [3, 4]]) @ v
([0.0, -3.0], [5.0, 11.0])
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from dlsolve.kernels.mathfns import sigmoid as scalar_sigmoid

BIG = 144   # beyond 12×12, matrix products and norms go to NumPy (worth its import then)


def _other(x: Any, n: int) -> Iterable[float]:
    return x if isinstance(x, list) else [x] * n


class Vec(list):
    """A vector of floats with elementwise arithmetic."""

    def __add__(self, o: Any) -> Vec:  # type: ignore[override]
        return Vec([a + b for a, b in zip(self, _other(o, len(self)))])

    __radd__ = __add__

    def __iadd__(self, o: Any) -> Vec:  # type: ignore[override]
        return self + o

    def __sub__(self, o: Any) -> Vec:
        return Vec([a - b for a, b in zip(self, _other(o, len(self)))])

    def __rsub__(self, o: Any) -> Vec:
        return Vec([b - a for a, b in zip(self, _other(o, len(self)))])

    def __mul__(self, o: Any) -> Vec:  # type: ignore[override]
        return Vec([a * b for a, b in zip(self, _other(o, len(self)))])

    __rmul__ = __mul__

    def __truediv__(self, o: Any) -> Vec:
        return Vec([a / b for a, b in zip(self, _other(o, len(self)))])

    def __neg__(self) -> Vec:
        return Vec([-a for a in self])

    def __pow__(self, k: float) -> Vec:
        return Vec([a ** k for a in self])

    def __matmul__(self, o: Vec) -> float:
        return sum([a * b for a, b in zip(self, o)])

    def map(self, fn: Any) -> Vec:
        return Vec([fn(a) for a in self])

    def tolist(self) -> list[float]:
        return list(self)

    @property
    def size(self) -> int:
        return len(self)

    @property
    def shape(self) -> tuple[int]:
        return (len(self),)

    ndim = 1


class Mat(list):
    """A matrix as a list of rows."""

    def __init__(self, rows: Iterable[Iterable[float]]):
        super().__init__(Vec([float(x) for x in r]) for r in rows)

    @classmethod
    def of_rows(cls, rows: list[Vec]) -> Mat:
        """A matrix of rows that are Vecs of floats already (nothing converted: a Mat's own
        arithmetic, its transpose)."""
        m = cls.__new__(cls)
        list.__init__(m, rows)
        return m

    def __matmul__(self, o: Any) -> Any:
        if isinstance(o, Mat):
            if self.size > BIG and o.size > BIG:
                import numpy as np

                return Mat((np.array(self.tolist()) @ np.array(o.tolist())).tolist())
            cols = o.T
            return Mat([[sum([a * b for a, b in zip(r, c)]) for c in cols] for r in self])
        return Vec([sum([a * b for a, b in zip(r, o)]) for r in self])

    def __add__(self, o: Any) -> Mat:  # type: ignore[override]
        return Mat.of_rows([a + b for a, b in zip(self, o)])

    def __sub__(self, o: Any) -> Mat:
        return Mat.of_rows([a - b for a, b in zip(self, o)])

    def __mul__(self, k: Any) -> Mat:  # type: ignore[override]
        return Mat.of_rows([r * k for r in self])

    __rmul__ = __mul__

    def __neg__(self) -> Mat:
        return self * -1.0

    @property
    def T(self) -> Mat:
        return Mat.of_rows([Vec(c) for c in zip(*self)])

    @property
    def shape(self) -> tuple[int, int]:
        return len(self), len(self[0]) if self else 0

    ndim = 2

    @property
    def size(self) -> int:
        return len(self) * (len(self[0]) if self else 0)

    def tolist(self) -> list[list[float]]:
        return [list(r) for r in self]


def zeros(n: int) -> Vec:
    return Vec([0.0] * n)


def outer(a: Vec, b: Vec) -> Mat:
    return Mat.of_rows([Vec([float(x * y) for y in b]) for x in a])


def diag_mul(d: Vec, m: Mat) -> Mat:
    """diag(d) m: row j of m scaled by d_j."""
    return Mat([r * x for x, r in zip(d, m)])


def diag(d: Vec) -> Mat:
    return Mat([[x if i == j else 0.0 for j in range(len(d))] for i, x in enumerate(d)])


def eye(n: int) -> Mat:
    return diag(Vec([1.0] * n))


def blocks(a: Mat, b: Mat, c: Mat, d: Mat) -> Mat:
    """[[a, b], [c, d]]."""
    return Mat([list(r) + list(s) for r, s in zip(a, b)] + [list(r) + list(s) for r, s in
                                                             zip(c, d)])


def sub(m: Mat, rows: slice, cols: slice) -> Mat:
    return Mat(r[cols] for r in m[rows])


def tanh(v: Vec) -> Vec:
    return Vec([math.tanh(a) for a in v])


def sigmoid(v: Vec) -> Vec:
    """σ(a), stable for large |a| (the activations' own scalar σ)."""
    return Vec([scalar_sigmoid(a) for a in v])


def relu(v: Vec) -> Vec:
    return Vec([a if a > 0 else 0.0 for a in v])


def step(v: Vec) -> Vec:
    """relu'(a): 1 for a > 0, else 0 (PyTorch's value at 0)."""
    return Vec([1.0 if a > 0 else 0.0 for a in v])


def norm2(m: Mat, squarings: int = 2, limit: int = 5000) -> float:
    """The spectral norm (largest singular value) of m.

    Power iteration on (mᵀm)^4 (two squarings, rescaled) finds the top eigenvector of mᵀm;
    its Rayleigh quotient on mᵀm is the largest eigenvalue, σ_max². Beyond 12×12, NumPy's SVD
    (imported then: a problem that size amortises the import).

    >>> round(norm2(Mat([[3, 0], [0, -4]])), 12), norm2(Mat([[0.5]]))
    (4.0, 0.5)
    """
    if m.size == 1:
        return abs(m[0][0])
    if m.size > BIG:
        import numpy as np

        return float(np.linalg.norm(np.array(m.tolist()), 2))
    g = m.T @ m
    a = g
    for _ in range(squarings):
        a = a @ a
        top = max(abs(x) for r in a for x in r)
        if top == 0.0:
            return 0.0
        a = a * (1.0 / top)
    v = _top_vector(a, limit)
    lam = (v @ (g @ v)) / (v @ v)
    return math.sqrt(max(lam, 0.0))


def _top_vector(a: Mat, limit: int) -> Vec:
    """Power iteration: the (unit) eigenvector of the largest eigenvalue of a PSD matrix."""
    v = Vec([1.0 + 0.1 * k for k in range(len(a))])
    for _ in range(limit):
        w = a @ v
        size = math.sqrt(w @ w)
        if size == 0.0:
            break
        w = w / size
        done = max(abs(x - y) for x, y in zip(w, v)) < 1e-14
        v = w
        if done:
            break
    return v
