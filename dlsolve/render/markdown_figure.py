"""A network as a Mermaid graph. Mermaid places edge labels at the middle of each edge, so
labels are written on the edges only where no two edges between the same layers cross
(one unit fanning out, or one unit fanned into); otherwise the edges are drawn bare and
the weights go in a table beside the figure. Biases are written inside their unit."""

from __future__ import annotations

from dlsolve.steps import Figure


def mid(name: str) -> str:
    """A Mermaid-safe node id."""
    return "n_" + "".join(c if c.isalnum() else "_" for c in name)


def crowded(fig: Figure) -> bool:
    """True when some two labelled edges between the same two layers could cross."""
    layer = dict(fig.nodes)
    pairs: dict[tuple[int, int], tuple[set[str], set[str]]] = {}
    for a, b, label in fig.edges:
        if label:
            srcs, dsts = pairs.setdefault((layer[a], layer[b]), (set(), set()))
            srcs.add(a)
            dsts.add(b)
    return any(len(s) > 1 and len(d) > 1 for s, d in pairs.values())


def mermaid(fig: Figure) -> tuple[str, list[tuple[str, str, str]]]:
    """(the fenced Mermaid block, rows of the weights table when the edges are crowded)."""
    biases = dict(fig.biases)
    bare = crowded(fig)
    lines = ["```mermaid", "graph LR"]
    for name, layer in fig.nodes:
        text = name + (f"<br/>{biases[name]}" if name in biases else "")
        lines.append(f'  {mid(name)}(["{text}"])' if layer == 0 else f'  {mid(name)}(("{text}"))')
    for a, b, label in fig.edges:
        arrow = f' -- "{label}" --> ' if label and not bare else " --> "
        lines.append(f"  {mid(a)}{arrow}{mid(b)}")
    lines.append("```")
    table = [(a, b, label) for a, b, label in fig.edges if label] if bare else []
    return "\n".join(lines), table
