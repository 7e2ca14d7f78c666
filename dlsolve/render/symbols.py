"""Names and words in LaTeX: symbol names (w11 -> w_{11}), numbers (4.07e-10 -> 4.07 × 10^{-10})
and running text escaped, with the Greek letters both printers share."""

from __future__ import annotations

import re

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η",
    "theta": "θ", "lambda": "λ", "mu": "μ", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ",
    "Delta": "Δ", "Sigma": "Σ", "pi": "π", "nabla": "∇", "omega": "ω", "xi": "ξ",
}

def latex_number(text: str) -> str:
    r"""'4.07e-10' -> '4.07 \times 10^{-10}'; 'inf' -> '\infty'."""
    if text in ("inf", "-inf"):
        return text.replace("inf", r"\infty")
    if text == "nan":
        return r"\mathrm{NaN}"
    if "e" in text:
        mant, ex = text.split("e")
        return rf"{mant} \times 10^{{{int(ex)}}}"
    return text


_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_\allowbreak{}",
            "{": r"\{", "}": r"\}",
            "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}"}


def latex_escape(text: str) -> str:
    r"""Escape LaTeX's special characters in running text.

    >>> latex_escape("50% of a_b")
    '50\\% of a\\_\\allowbreak{}b'
    """
    text = "".join(_SPECIAL.get(c, c) for c in text)
    for uni, tex in (("≈", r"$\approx$"), ("≤", r"$\le$"), ("≥", r"$\ge$"), ("→", r"$\to$"),
                     ("×", r"$\times$"), ("−", "-"), ("·", r"$\cdot$"), ("∞", r"$\infty$"),
                     ("✓", r"$\checkmark$"), ("✗", r"$\times$"), ("…", r"\dots{}"),
                     ("√", r"$\surd$"), ("⌊", r"$\lfloor$"), ("⌋", r"$\rfloor$"),
                     ("⌈", r"$\lceil$"), ("⌉", r"$\rceil$"), ("±", r"$\pm$"), ("∂", r"$\partial$"),
                     ("′", "'"), ("²", r"$^2$"), ("∈", r"$\in$"), ("Σ", r"$\Sigma$"),
                     ("←", r"$\leftarrow$"), ("≠", r"$\ne$"), ("∇", r"$\nabla$"),
                     ("ᵀ", r"$^{\top}$"), ("ŷ", r"$\hat{y}$"), ("⊙", r"$\odot$"),
                     ("⁺", r"$^{+}$"), ("³", r"$^3$"), ("¹", r"$^1$"), ("½", r"$\frac{1}{2}$"),
                     ("∑", r"$\Sigma$"), ("•", r"$\bullet$"), ("≡", r"$\equiv$")):
        text = text.replace(uni, tex)
    for word, letter in GREEK.items():
        text = text.replace(letter, rf"$\{word}$")
    # a combining circumflex (x̂): the hat over the letter or Greek symbol before it
    return re.sub(r"(\$\\[A-Za-z]+\$|[A-Za-z])\u0302",
                  lambda m: rf"$\hat{{{m.group(1).strip('$')}}}$", text)


_PROSE_SYMBOL = re.compile(r"(?<![\w\\$])([A-Za-z]{1,2}\d*|[α-ωΑ-Ω])_"
                           r"(\{[A-Za-z0-9,+\-≠α-ω]{1,5}\}|[a-z][+-]\d|[A-Za-z]\d*,[A-Za-z0-9]{1,3}|"
                           r"[A-Za-z]{1,5}|\d+|[A-Za-z]\d+)(?![\w(])")
_GREEK_NAMES = {letter: word for word, letter in GREEK.items()}


def _math_char(c: str) -> str:
    if c in _GREEK_NAMES:
        return "\\" + _GREEK_NAMES[c] + " "
    return _MATH_CHARS[c] + " " if c in _MATH_CHARS else latex_escape(c)


def prose_pieces(text: str) -> list[tuple[str, str | None]]:
    """Running text cut into (text, None) runs and the symbols it names, (head, subscript):
    "the state h_{t-1}" -> [("the state ", None), ("h", "t-1")]. Greek heads as their names
    (α_t -> ("alpha", "t")); code words (fan_in, bias_ih) stay text."""
    out: list[tuple[str, str | None]] = []
    last = 0
    for m in _PROSE_SYMBOL.finditer(text):
        if m.start() > last:
            out.append((text[last:m.start()], None))
        head, tail = m.groups()
        out.append((_GREEK_NAMES.get(head, head), tail.strip("{}")))
        last = m.end()
    if last < len(text):
        out.append((text[last:], None))
    return out


def latex_symbol(head: str, sub: str) -> str:
    """A symbol of running text as LaTeX maths (no dollars): h, t-1 -> h_{t-1}."""
    if re.fullmatch(r"[\w,+-]+", sub):
        return latex_name(head + "_" + sub)
    return f"{latex_name(head)}_{{{''.join(_math_char(c) for c in sub).strip()}}}"


def latex_prose(text: str) -> str:
    r"""Running text with the symbols it names set as maths (h_t -> $h_{t}$, w1_12 ->
    $w_{1,12}$, p_new -> $p^{new}$, h_{t-1}, α_t), everything else escaped; code words
    (fan_in, bias_ih) stay words.

    >>> latex_prose("h_t-1 and d_k, not fan_in")
    '$h_{t-1}$ and $d_{k}$, not fan\\_\\allowbreak{}in'
    """
    return "".join(latex_escape(t) if sub is None else f"${latex_symbol(t, sub)}$"
                   for t, sub in prose_pieces(text))


def latex_function(name: str) -> str:
    return r"\operatorname{" + name.replace("_", r"\_") + "}"


_LETTERS_DIGITS = re.compile(r"([A-Za-z]+?)(\d+)$")
_SIMPLE_SUB = re.compile(r"\d+(,\w+)?|[A-Za-z]\d*|[a-z]\d+[a-z]?\d*|[a-z]\d*_\d+|[A-Za-z][+-]\d+|"
                         r"[A-Za-z]\d*,[A-Za-z0-9]{1,3}")


def latex_name(name: str) -> str:
    r"""LaTeX form of a symbol name.

    >>> latex_name("w11"), latex_name("z_h1"), latex_name("sigma"), latex_name("E_total")
    ('w_{11}', 'z_{h1}', '\\sigma', 'E_{\\mathrm{total}}')
    >>> latex_name("delta_o1"), latex_name("y_hat"), latex_name("loss"), latex_name("w2_new")
    ('\\delta_{o1}', '\\hat{y}', '\\mathrm{loss}', 'w_{2}^{\\mathrm{new}}')
    >>> latex_name("params_dense_1"), latex_name("x_1_2")
    ('\\mathrm{params}_{\\mathrm{dense\\_1}}', 'x_{1,2}')
    """
    if name in ("e", "inf"):
        return {"e": "e", "inf": r"\infty"}[name]
    if name.endswith("'"):
        stripped = name.rstrip("'")
        return latex_name(stripped) + "'" * (len(name) - len(stripped))
    if name.endswith("_new") and len(name) > 4:
        return latex_name(name[:-4]) + r"^{\mathrm{new}}"
    head, _, tail = name.partition("_")
    if tail == "hat":
        return r"\hat{" + latex_name(head) + "}"
    m = _LETTERS_DIGITS.fullmatch(head)
    if m:
        head, tail = m.group(1), m.group(2) + ("," + tail if tail else "")
    base = _latex_word(head)
    if not tail:
        return base
    if _SIMPLE_SUB.fullmatch(tail) or all(len(p) <= 1 or p.isdigit() for p in tail.split("_")):
        sub = tail.replace("_", ",")  # indices: w_{1,12}
    else:  # a name: params_{multihead\_attention\_1}, not {multihead,attention,1}
        sub = _latex_word(tail).replace("_", r"\_")
    return f"{base}_{{{sub}}}"


def _latex_word(word: str) -> str:
    if word in GREEK:
        return "\\" + word
    if len(word) <= 1 or word.endswith("'"):
        return word
    return r"\mathrm{" + word + "}"


_MATH_CHARS = {"·": r"\cdot", "×": r"\times", "≈": r"\approx", "≤": r"\le", "≥": r"\ge",
               "→": r"\to", "∞": r"\infty", "±": r"\pm", "∂": r"\partial", "√": r"\surd",
               "∈": r"\in", "≠": r"\ne", "∇": r"\nabla", "←": r"\leftarrow", "Σ": r"\Sigma",
               "²": "^{2}", "′": "'", "−": "-"}


def math_text(text: str) -> str:
    r"""Words inside maths: ``\text{…}`` runs, with maths symbols set as maths between them
    (never ``$…$`` inside ``\text``, which Markdown's maths cannot read).

    >>> math_text("2·σ(x) = 1")
    '\\text{2}\\cdot \\sigma \\text{(x) = 1}'
    """
    out, run = [], ""
    for ch in text:
        sym = _MATH_CHARS.get(ch) or next((f"\\{w}" for w, g in GREEK.items() if g == ch), None)
        if sym is None:
            run += ch
            continue
        if run:
            out.append(r"\text{" + latex_escape(run) + "}")
            run = ""
        out.append(sym + " " if sym.startswith("\\") else sym)
    if run or not out:
        out.append(r"\text{" + latex_escape(run) + "}")
    return "".join(out).rstrip()
