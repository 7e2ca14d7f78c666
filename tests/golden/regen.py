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


def rendered(name: str, ext: str) -> str:
    sol = dlsolve.solve(PROBLEMS / CASES[name])
    return sol.render(FORMATS[ext], width=100)


if __name__ == "__main__":
    for name in CASES:
        for ext in FORMATS:
            (HERE / f"{name}.{ext}").write_text(rendered(name, ext))
