"""Display of numbers and formula trees: exact strings, one fact per line."""

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.render.formula import LatexPrinter, TextPrinter, latex_escape, latex_name
from dlsolve.render.numbers import fmt_number

T, L = TextPrinter(4), LatexPrinter(4)


def test_numbers_exam_style():
    assert fmt_number(0.952269826123778) == "0.9523"
    assert fmt_number(3130.3773) == "3130.3773"
    assert fmt_number(2.0) == "2"
    assert fmt_number(-1.5) == "-1.5"
    assert fmt_number(0.0003194509383437506) == "0.0003195"
    assert fmt_number(4.074071952668995e-10) == "4.074e-10"
    assert fmt_number(1e20) == "1e20"
    assert fmt_number(float("nan")) == "nan"
    assert fmt_number(-0.0) == "0"
    assert fmt_number(0.6022, digits=2) == "0.6"
    assert fmt_number(7, digits=2) == "7"


def test_weighted_sum_substituted_keeps_negative_numbers_in_parentheses():
    z = E.add(E.mul(2.0, 1.0), E.mul(-1.0, 0.5), 0.5)
    assert T(z) == "2·1 + (-1)·0.5 + 0.5"
    assert L(z) == r"2 \cdot 1 + \left(-1\right) \cdot 0.5 + 0.5"


def test_negative_term_and_subtraction():
    assert T(E.add(Sym("a"), -0.5)) == "a - 0.5"  # signs combined, never doubled
    assert T(Sym("a") - Sym("b")) == "a - b"
    assert T(Sym("a") - (Sym("b") + Sym("c"))) == "a - (b + c)"


def test_powers_fractions_and_calls():
    assert T(E.exp(-Sym("x"))) == "e^(-x)"
    assert L(E.exp(-Sym("x"))) == "e^{-x}"
    assert T(Num(1) / (Num(1) + E.exp(-Sym("x")))) == "1/(1 + e^(-x))"
    assert L(Num(1) / (Num(1) + E.exp(Num(-7)))) == r"\frac{1}{1 + e^{-7}}"
    assert T(E.call("max", 0, 2.0)) == "max(0, 2)"
    assert L(E.call("sigma", Sym("z"))) == r"\sigma\left(z\right)"
    assert L(E.call("ReLU", Sym("z"))) == r"\operatorname{ReLU}\left(z\right)"


def test_brackets_and_shapes():
    assert T(E.Bracket("floor", Num(28) / Num(2)) + Num(1)) == "⌊28/2⌋ + 1"
    assert L(E.Bracket("floor", Num(28) / Num(2))) == r"\left\lfloor \frac{28}{2} \right\rfloor"
    assert T(E.Seq((Num(15), Num(15), Num(8)), "", "x")) == "15 × 15 × 8"
    assert T(E.Deriv(Sym("E"), Sym("w1"))) == "∂E/∂w1"
    assert L(E.Deriv(Sym("E"), Sym("w1"))) == r"\frac{\partial E}{\partial w_{1}}"


def test_symbol_names():
    assert latex_name("w11") == "w_{11}"
    assert latex_name("z_h1") == "z_{h1}"
    assert latex_name("h1_2") == "h_{1,2}"
    assert latex_name("C_out") == r"C_{\mathrm{out}}"
    assert latex_name("delta_o1") == r"\delta_{o1}"
    assert T(Sym("delta_o1")) == "δ_o1"


def test_latex_escape():
    assert latex_escape("50% of x_1 & more") == r"50\% of x\_\allowbreak{}1 \& more"
    assert latex_escape("≈ 3") == r"$\approx$ 3"


def test_elided_sum():
    terms = E.elide([Num(i) for i in range(20)], keep=4)
    assert T(E.Add(tuple(terms))) == "0 + 1 + 2 + … (16 more terms) + 19"
