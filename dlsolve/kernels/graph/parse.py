"""Read assignments such as ``f = (x + y) * z`` safely, into a small tree; evaluate nothing.

Python's ``ast`` reads the text and a whitelist walk accepts only names, numbers, the
operators ``+ - * / ** @``, unary minus and plain function calls (``f(x, alpha=0.1)``) with
number keywords. Attribute access, subscripts, lambdas, strings, comparisons, starred
arguments and every other construct are refused with the column where they start; so are
characters outside ASCII (Python would read a full-width ``ｅｘｐ`` as ``exp``), except the
usual ``−``, ``×``, ``·`` (minus, times) and ``^`` for a power. The size of a statement
(characters, tree nodes, nesting) and of a number written as an exponent are bounded, so no
input can make the reader or a later ``**`` run away.

>>> [str(a) for a in parse_program("q = x + y; f = q * z")]
['q = add(x, y)', 'f = mul(q, z)']
"""

from __future__ import annotations

import ast
import math
import re
import warnings
from dataclasses import dataclass

MAX_CHARS = 4000
MAX_NODES = 2000
MAX_DEPTH = 200
MAX_EXPONENT = 1000.0
_LAMBDA = re.compile(r"\blambda\s*=(?!=)")  # the keyword lambda= (softshrink) is a parameter
KEYWORD_ALIASES = {"lambda_": "lambda", "lambd": "lambda"}  # lambd: PyTorch's spelling
TRANSLATE = str.maketrans({"−": "-", "×": "*", "·": "*", "^": "**"})
BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow",
          ast.MatMult: "matmul"}
REFUSED = {ast.Attribute: "attribute access (a.b)", ast.Subscript: "a subscript (a[i])",
           ast.Lambda: "a lambda", ast.Compare: "a comparison", ast.BoolOp: "and/or",
           ast.IfExp: "an if-expression", ast.Starred: "a starred argument",
           ast.JoinedStr: "a string", ast.List: "a list", ast.Tuple: "a tuple",
           ast.Dict: "a mapping", ast.Set: "a set", ast.NamedExpr: "an assignment (:=)",
           ast.Await: "await", ast.Yield: "yield", ast.GeneratorExp: "a generator",
           ast.ListComp: "a comprehension", ast.Slice: "a slice"}


class ParseError(ValueError):
    """The text is not an allowed assignment; ``column`` (1-based) points at the culprit."""

    def __init__(self, message: str, column: int | None = None, statement: int = 0):
        super().__init__(message)
        self.message = message
        self.column = column
        self.statement = statement


@dataclass(frozen=True)
class Num:
    value: float

    def __str__(self) -> str:
        return f"{self.value:g}"


@dataclass(frozen=True)
class Name:
    id: str
    column: int = 0

    def __str__(self) -> str:
        return self.id


@dataclass(frozen=True)
class Op:
    """An operator or function applied to arguments: ``op`` is add, sub, mul, div, pow,
    matmul, neg, or ``call`` with ``fn`` the function's name and ``kwargs`` its keywords."""

    op: str
    args: tuple[Tree, ...]
    fn: str = ""
    kwargs: tuple[tuple[str, float], ...] = ()
    column: int = 0

    def __str__(self) -> str:
        inner = [str(a) for a in self.args] + [f"{k}={v:g}" for k, v in self.kwargs]
        return f"{self.fn or self.op}({', '.join(inner)})"


Tree = Num | Name | Op


@dataclass(frozen=True)
class Assign:
    """``name = tree``; ``name`` is None for a bare expression."""

    name: str | None
    tree: Tree
    text: str
    column: int = 1

    def __str__(self) -> str:
        return f"{self.name} = {self.tree}" if self.name else str(self.tree)


def parse_program(text: str) -> list[Assign]:
    """Assignments separated by ';' or new lines (the last may be a bare expression)."""
    module = _module(text)
    out = []
    for i, stmt in enumerate(module.body):
        try:
            out.append(_statement(stmt, text))
        except ParseError as e:
            raise ParseError(e.message, e.column, i) from None
    if not out:
        raise ParseError("expected an assignment such as f = (x + y) * z, got nothing")
    return out


def parse_assignment(text: str) -> Assign:
    """Exactly one assignment (or bare expression)."""
    module = _module(text)
    if len(module.body) != 1:
        raise ParseError(f"expected one assignment, got {len(module.body)} (one per item)")
    return _statement(module.body[0], text)


def _module(text: str) -> ast.Module:
    if not isinstance(text, str) or not text.strip():
        raise ParseError("expected an assignment such as f = (x + y) * z, got nothing")
    if len(text) > MAX_CHARS:
        raise ParseError(f"expected at most {MAX_CHARS} characters, got {len(text)}")
    for i, ch in enumerate(text):
        if ord(ch) > 127 and ch not in "−×·":
            raise ParseError(f"character {ch!r} (U+{ord(ch):04X}) is not allowed: write "
                             "names and operators in plain ASCII", i + 1)
    source = _LAMBDA.sub("lambda_=", text.translate(TRANSLATE))
    try:
        with warnings.catch_warnings():  # "1if x" and the like: refused, not warned about
            warnings.simplefilter("error", SyntaxWarning)
            module = ast.parse(source, mode="exec")
    except SyntaxError as e:
        raise ParseError(f"not an expression ({e.msg})", e.offset) from None
    except (RecursionError, MemoryError, ValueError):
        raise ParseError("the expression is nested too deeply") from None
    _bounds(module)
    return module


def _bounds(module: ast.Module) -> None:
    """Count nodes and nesting without recursion (a deep tree must not blow the stack)."""
    stack = [(module, 0)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ParseError(f"expected at most {MAX_NODES} parts in one statement")
        if depth > MAX_DEPTH:
            raise ParseError(f"expected nesting at most {MAX_DEPTH} deep", _col(node))
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _col(node: ast.AST) -> int | None:
    off = getattr(node, "col_offset", None)
    return None if off is None else off + 1


def _statement(stmt: ast.stmt, text: str) -> Assign:
    seg = (ast.get_source_segment(_LAMBDA.sub("lambda_=", text.translate(TRANSLATE)), stmt)
           or text).replace("lambda_=", "lambda=")
    if isinstance(stmt, ast.Expr):
        return Assign(None, _tree(stmt.value), seg.strip(), _col(stmt) or 1)
    if isinstance(stmt, ast.AugAssign):
        raise ParseError("an updating assignment (+= ...) rebinds a name; each node is "
                         "assigned once (write c2 = c + 1)", _col(stmt))
    if not isinstance(stmt, ast.Assign):
        raise ParseError(f"expected an assignment name = expression, got a "
                         f"{type(stmt).__name__.lower()} statement", _col(stmt))
    if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
        raise ParseError("expected one name on the left of =", _col(stmt))
    return Assign(stmt.targets[0].id, _tree(stmt.value), seg.strip(), _col(stmt) or 1)


def _tree(node: ast.AST) -> Tree:
    if isinstance(node, ast.Constant):
        return Num(_number(node))
    if isinstance(node, ast.Name):
        return Name(node.id, _col(node) or 0)
    if isinstance(node, ast.BinOp) and type(node.op) in BINOPS:
        op = BINOPS[type(node.op)]
        left, right = _tree(node.left), _tree(node.right)
        if op == "pow" and isinstance(right, Num) and abs(right.value) > MAX_EXPONENT:
            raise ParseError(f"expected an exponent up to {MAX_EXPONENT:g} in size, got "
                             f"{right.value:g}", _col(node.right))
        return Op(op, (left, right), column=_col(node) or 0)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        arg = _tree(node.operand)
        if isinstance(node.op, ast.UAdd):
            return arg
        return Num(-arg.value) if isinstance(arg, Num) else Op("neg", (arg,), column=_col(node)
                                                                 or 0)
    if isinstance(node, ast.Call):
        return _call(node)
    raise ParseError(f"{_what(node)} is not allowed here", _col(node))


def _what(node: ast.AST) -> str:
    for cls, text in REFUSED.items():
        if isinstance(node, cls):
            return text
    if isinstance(node, ast.BinOp):
        return f"the operator {type(node.op).__name__}"
    if isinstance(node, ast.UnaryOp):
        return f"the operator {type(node.op).__name__}"
    return type(node).__name__


def _number(node: ast.Constant) -> float:
    v = node.value
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ParseError(f"{'a string' if isinstance(v, str) else repr(v)} is not allowed here; "
                         "expected a number", _col(node))
    try:
        x = float(v)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x):
        raise ParseError(f"the number {str(v)[:20]} is too large", _col(node))
    return x


def _call(node: ast.Call) -> Op:
    if not isinstance(node.func, ast.Name):
        raise ParseError(f"{_what(node.func)} is not allowed: call a function by its name "
                         "(exp(x), sigmoid(x))", _col(node.func))
    args = tuple(_tree(a) for a in node.args)
    kwargs = []
    for kw in node.keywords:
        if kw.arg is None:
            raise ParseError("**keywords are not allowed", _col(kw.value))
        value = _tree(kw.value)
        if not isinstance(value, Num):
            raise ParseError(f"the parameter {kw.arg}= takes a number", _col(kw.value))
        kwargs.append((KEYWORD_ALIASES.get(kw.arg, kw.arg), value.value))
    return Op("call", args, node.func.id, tuple(kwargs), _col(node) or 0)
