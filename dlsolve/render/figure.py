"""Where a network figure puts its units and its edge labels, so that no two labels meet.

Units sit in columns by layer; each edge label is placed on its edge, as near its source as
it can be without its box touching another label, a unit or a bias label (positions tried
from the source outwards). When some label finds no free place, the symbols alone are tried;
when those do not fit either the figure is crowded: the renderers then draw the edges
unlabelled and give the weights in a table beside it.
Lengths are in centimetres of the TikZ picture.
"""

from __future__ import annotations

from dataclasses import dataclass

from dlsolve.steps import Figure

DX, DY = 3.4, 1.5         # column and row spacing
RADIUS = 0.42             # a unit's circle
CHAR, HEIGHT = 0.15, 0.34  # label box: width per character, height (\scriptsize)
TRIES = (0.24, 0.3, 0.36, 0.42, 0.48, 0.54, 0.6, 0.66, 0.72)


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    def meets(self, other: Box) -> bool:
        return abs(self.x - other.x) * 2 < self.w + other.w and \
            abs(self.y - other.y) * 2 < self.h + other.h


def positions(fig: Figure) -> dict[str, tuple[float, float]]:
    """(x, y) of every unit: layer columns, each column centred on y = 0."""
    by_layer: dict[int, list[str]] = {}
    for name, layer in fig.nodes:
        by_layer.setdefault(layer, []).append(name)
    return {name: (layer * DX, ((len(names) - 1) / 2 - i) * DY)
            for layer, names in by_layer.items() for i, name in enumerate(names)}


def label_box(x: float, y: float, text: str) -> Box:
    return Box(x, y, CHAR * len(text) + 0.1, HEIGHT)


def bias_boxes(fig: Figure, pos: dict[str, tuple[float, float]]) -> dict[str, Box]:
    """The bias label of each unit, just above its circle."""
    return {u: label_box(pos[u][0], pos[u][1] + RADIUS + HEIGHT / 2 + 0.04, text)
            for u, text in fig.biases}


def place_labels(fig: Figure) -> dict[int, tuple[float, str, Box]] | None:
    """Edge index -> (position along the edge, label text, box); None when crowded.

    Full labels ("w1 = 0.15") are tried first, then the symbols alone ("w1", their values
    being in the givens); None when neither fits.
    """
    full = _place(fig, [label for _, _, label in fig.edges])
    if full is not None:
        return full
    short = [label.split(" = ")[0] for _, _, label in fig.edges]
    if short == [label for _, _, label in fig.edges]:
        return None
    return _place(fig, short)


def _place(fig: Figure, texts: list[str]) -> dict[int, tuple[float, str, Box]] | None:
    pos = positions(fig)
    taken = [Box(x, y, 2 * RADIUS, 2 * RADIUS) for x, y in pos.values()]
    taken += bias_boxes(fig, pos).values()
    out: dict[int, tuple[float, str, Box]] = {}
    for k, ((a, b, _), text) in enumerate(zip(fig.edges, texts)):
        if not text:
            continue
        (x0, y0), (x1, y1) = pos[a], pos[b]
        for t in TRIES:
            box = label_box(x0 + t * (x1 - x0), y0 + t * (y1 - y0), text)
            if not any(box.meets(o) for o in taken):
                out[k] = (t, text, box)
                taken.append(box)
                break
        else:
            return None
    return out
