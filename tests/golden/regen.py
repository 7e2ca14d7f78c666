"""Rewrite the golden files from the current renderers: run, then read every diff by hand.

    python tests/golden/regen.py
"""

from pathlib import Path

import dlsolve

HERE = Path(__file__).resolve().parent
PROBLEMS = HERE.parent.parent / "problems"
CASES = {  # golden name -> problem spec
    "softmax-8-5-0": "seed001-softmax-8-5-0.yaml",
    "convshape-seed000": "seed000-q3-convshape.yaml",
    "forward-seed000": "seed000-q4a-relu-network.yaml",
    "loss-seed003-cce": "seed003-cce.yaml",
    "backprop-seed002": "seed002-backprop-chain.yaml",
    "conv-seed004": "seed004-q4-convolution.yaml",
    "params-seed001": "seed001-q2-params.yaml",
}
FORMATS = {"txt": "text", "md": "markdown", "tex": "latex", "json": "json", "rich": "rich"}
# extra renderings: golden name -> (problem, format, settings)
EXTRA = {
    "backprop-seed002.w80.txt": ("seed002-backprop-chain.yaml", "text", {"width": 80}),
    "backprop-mazur.w80.txt": ("mazur-backprop.yaml", "text", {"width": 80}),
    "backprop-mazur.w120.txt": ("mazur-backprop.yaml", "text", {"width": 120}),
    "backprop-mazur.w80.rich": ("mazur-backprop.yaml", "rich", {"width": 80}),
    "backprop-mazur.tex": ("mazur-backprop.yaml", "latex", {}),
    "backprop-mazur.brief.md": ("mazur-backprop.yaml", "markdown", {"detail": "brief"}),
    "sheet-seed004.md": ("seed004-q4-convolution.yaml", "markdown", {"statements_only": True}),
    "sheet-seed004.tex": ("seed004-q4-convolution.yaml", "latex", {"statements_only": True}),
}


def rendered(name: str, ext: str) -> str:
    sol = dlsolve.solve(PROBLEMS / CASES[name])
    return sol.render(FORMATS[ext], width=100)


def extra(name: str) -> str:
    problem, fmt, settings = EXTRA[name]
    return dlsolve.solve(PROBLEMS / problem).render(fmt, **settings)


if __name__ == "__main__":
    for name in CASES:
        for ext in FORMATS:
            (HERE / f"{name}.{ext}").write_text(rendered(name, ext))
    for name in EXTRA:
        (HERE / name).write_text(extra(name))
