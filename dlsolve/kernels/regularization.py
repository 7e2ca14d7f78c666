"""Weight penalties added to a network's loss: L2 (weight decay) and L1.

  l2   λ/2·Σ w²  (gradient λw)        the textbook / CS230 form (``l2_form: half``)
       λ·Σ w²    (gradient 2λw)       Keras' kernel_regularizer (``l2_form: keras``)
  l1   λ·Σ |w|   (gradient λ·sign w, 0 at w = 0: PyTorch's sign(0) = 0)
Only weights are penalised, never biases; l1 and l2 together add up.
"""

from __future__ import annotations

from dataclasses import dataclass

from dlsolve.kernels.network import fsum


@dataclass(frozen=True)
class Regularization:
    l2: float = 0.0
    l1: float = 0.0
    l2_form: str = "half"   # half: λ/2·Σw²; keras: λ·Σw²

    def __bool__(self) -> bool:
        return bool(self.l1 or self.l2)

    @property
    def l2_factor(self) -> float:
        """c in c·Σw² (λ/2 or λ)."""
        return self.l2 if self.l2_form == "keras" else self.l2 / 2


NONE = Regularization()


def sign(w: float) -> float:
    return 1.0 if w > 0 else -1.0 if w < 0 else 0.0


def penalty(reg: Regularization, weights: list[float]) -> float:
    """The penalty term of the loss for these weight values.

    >>> penalty(Regularization(l2=0.1), [1.0, -2.0]), penalty(Regularization(l1=0.1), [2, 0])
    (0.25, 0.2)
    """
    out = 0.0
    if reg.l2:
        out += reg.l2_factor * fsum([w * w for w in weights])
    if reg.l1:
        out += reg.l1 * fsum([abs(w) for w in weights])
    return out


def gradient(reg: Regularization, w: float) -> float:
    """∂penalty/∂w for one weight.

    >>> gradient(Regularization(l2=0.1), -2.0), gradient(Regularization(l1=0.1), 0.0)
    (-0.2, 0.0)
    """
    return 2 * reg.l2_factor * w + reg.l1 * sign(w)
