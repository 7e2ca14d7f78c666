"""The targets of a network spec (one sample) and the check that they fit the loss."""

from __future__ import annotations

from typing import Any

from dlsolve.kernels import losses as L
from dlsolve.kernels.losses import LossSpec
from dlsolve.kernels.network import Network
from dlsolve.spec.reader import BAD, Bad, Reader, Said, either, number, vector


def read_network_targets(r: Reader, net: Network | None) -> list[float] | None:
    if not r.has("targets"):
        return None
    raw = r.raw("targets")
    if net is None:
        return None
    n = len(net.outputs)
    if isinstance(raw, dict):
        vals = r.get("targets", lambda v: v)
        out = []
        for o in net.outputs:
            if o not in vals:
                r.expected("targets", f"a target for every output ({', '.join(net.outputs)})",
                           Said(f"none for {o}"))
                return None
            out.append(r.child("targets").get(o, number))
        extra = [k for k in vals if k not in net.outputs]
        if extra:
            r.fail(("targets", extra[0]), f"not an output unit (outputs: {', '.join(net.outputs)})")
        return out if r.ok else None
    t = r.get("targets", vector(either(number, _symbol_value(net), what="a number")))
    if t is BAD:
        return None
    loss_name = r.raw("loss")
    if len(t) != n and not (loss_name in L.CLASS_INDEX and len(t) == 1):
        r.expected("targets", f"{n} target(s), one per output ({', '.join(net.outputs)})",
                   Said(f"{len(t)}"))
        return None
    return [float(v) for v in t]


def _symbol_value(net: Network) -> Any:
    def conv(v: Any) -> float:
        if isinstance(v, str) and v in net.params:
            return net.params[v]
        raise Bad("a number")

    return conv


def check_loss_fits(r: Reader, net: Network, loss: LossSpec | None,
                     targets: list[float] | None) -> None:
    if loss is None or targets is None:
        return
    from dlsolve.spec.loss import target_problem

    n = len(net.outputs)
    if loss.name in L.CLASS_INDEX and (len(targets) == 1 or loss.name == "sparse_cce"):
        if len(targets) != 1 or not (float(targets[0]).is_integer() and 0 <= targets[0] < n):
            r.expected("targets", f"[class index 0..{n - 1}] for {loss.name}", targets)
        return
    problem = target_problem(loss, targets)
    if problem is not None:
        j, expected, got = problem
        r.expected("targets" if j is None else ("targets", j), f"{expected} for {loss.name}",
                   got)
