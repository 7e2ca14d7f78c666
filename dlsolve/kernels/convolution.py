"""2-D convolution and pooling, forward and backward, with NumPy (channels first).

Shapes: input X (C_in, H, W); kernels K (C_out, C_in, kh, kw); output Y (C_out, H_out, W_out).
Cross-correlation:  Y[o,i,j] = Σ_c Σ_u Σ_v Xp[c, i·s + u·d, j·s + v·d] · K[o,c,u,v] + b[o]
Convolution:        the same with K rotated 180° (K[..., ::-1, ::-1]).
Backward, with G = dL/dY:
  dL/dK[o,c,u,v] = Σ_ij G[o,i,j] · Xp[c, i·s + u·d, j·s + v·d]   (flipped back for convolution)
  dL/dXp         = each G[o,i,j] · K[o,c,:,:] added onto the window it came from
                   (= the full convolution of G with K, for stride 1)
  dL/db[o]       = Σ_ij G[o,i,j]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Geometry:
    """Padding (top, bottom, left, right), stride, dilation and the output size."""

    pad: tuple[int, int, int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    out: tuple[int, int]

    def rows(self, i: int, kh: int) -> np.ndarray:
        return i * self.stride[0] + np.arange(kh) * self.dilation[0]

    def cols(self, j: int, kw: int) -> np.ndarray:
        return j * self.stride[1] + np.arange(kw) * self.dilation[1]


def geometry(h: int, w: int, kh: int, kw: int, stride: tuple[int, int],
             padding: tuple[int, int] | str, dilation: tuple[int, int],
             ceil_mode: bool = False) -> Geometry:
    """Paddings and output size; ``same`` pads as TensorFlow (extra row/column at the end)."""
    eh, ew = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    if padding == "same":
        oh, ow = -(-h // stride[0]), -(-w // stride[1])
        th = max((oh - 1) * stride[0] + eh - h, 0)
        tw = max((ow - 1) * stride[1] + ew - w, 0)
        return Geometry((th // 2, th - th // 2, tw // 2, tw - tw // 2), stride, dilation, (oh, ow))
    ph, pw = padding  # type: ignore[misc]
    rnd = (lambda a, b: -(-a // b)) if ceil_mode else (lambda a, b: a // b)
    oh = rnd(h + 2 * ph - eh, stride[0]) + 1
    ow = rnd(w + 2 * pw - ew, stride[1]) + 1
    if ceil_mode:  # PyTorch: the last window must start inside the input or left padding
        oh -= int((oh - 1) * stride[0] >= h + ph)
        ow -= int((ow - 1) * stride[1] >= w + pw)
    extra_h = max((oh - 1) * stride[0] + eh - (h + 2 * ph), 0)
    extra_w = max((ow - 1) * stride[1] + ew - (w + 2 * pw), 0)
    return Geometry((ph, ph + extra_h, pw, pw + extra_w), stride, dilation, (oh, ow))


def pad(x: np.ndarray, g: Geometry, value: float = 0.0) -> np.ndarray:
    t, b, lft, r = g.pad
    return np.pad(x, ((0, 0), (t, b), (lft, r)), constant_values=value)


def windows(xp: np.ndarray, g: Geometry, kh: int, kw: int) -> np.ndarray:
    """All windows: shape (C, H_out, W_out, kh, kw)."""
    oh, ow = g.out
    out = np.empty((xp.shape[0], oh, ow, kh, kw), dtype=xp.dtype)
    for i in range(oh):
        rows = g.rows(i, kh)
        for j in range(ow):
            out[:, i, j] = xp[:, rows][:, :, g.cols(j, kw)]
    return out


def conv_forward(x: np.ndarray, k: np.ndarray, b: np.ndarray, g: Geometry,
                 flip: bool) -> np.ndarray:
    kf = k[..., ::-1, ::-1] if flip else k
    win = windows(pad(x, g), g, k.shape[2], k.shape[3])
    return np.einsum("chwuv,ocuv->ohw", win, kf) + b[:, None, None]


def conv_backward(x: np.ndarray, k: np.ndarray, gy: np.ndarray, g: Geometry,
                  flip: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dL/dX, dL/dK as the spec wrote K, dL/db)."""
    kf = k[..., ::-1, ::-1] if flip else k
    kh, kw = k.shape[2:]
    xp = pad(x, g)
    win = windows(xp, g, kh, kw)
    dkf = np.einsum("ohw,chwuv->ocuv", gy, win)
    dxp = np.zeros_like(xp)
    for i in range(g.out[0]):
        rows = g.rows(i, kh)
        for j in range(g.out[1]):
            cols = g.cols(j, kw)
            dxp[:, rows[:, None], cols[None, :]] += np.einsum("o,ocuv->cuv", gy[:, i, j], kf)
    t, _, lft, _ = g.pad
    dx = dxp[:, t:t + x.shape[1], lft:lft + x.shape[2]]
    dk = dkf[..., ::-1, ::-1] if flip else dkf
    return dx, dk, gy.sum(axis=(1, 2))


def full_convolution(gy: np.ndarray, k: np.ndarray, g: Geometry) -> np.ndarray:
    """dL/dXp by the notes' method (stride 1, dilation 1): pad G by k - 1 on each side and
    cross-correlate it with the (forward) kernel rotated 180°."""
    kh, kw = k.shape[2:]
    gp = np.pad(gy, ((0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
    rot = k[..., ::-1, ::-1]
    h, w = gp.shape[1] - kh + 1, gp.shape[2] - kw + 1
    out = np.zeros((k.shape[1], h, w))
    for i in range(h):
        for j in range(w):
            out[:, i, j] = np.einsum("ouv,ocuv->c", gp[:, i:i + kh, j:j + kw], rot)
    return out


@dataclass
class PoolResult:
    output: np.ndarray
    winners: np.ndarray | None      # (C, H_out, W_out, 2): row, col in the padded input
    counts: np.ndarray | None       # avg: the divisor of each window


def pool_forward(x: np.ndarray, mode: str, kh: int, kw: int, g: Geometry,
                 count_include_pad: bool = True, padded_end: bool = False) -> PoolResult:
    """Max pooling pads with -inf (PyTorch); average pooling counts padded zeros unless told.

    The bottom/right padding beyond the top/left is a ceil_mode overhang (never counted, as
    PyTorch) unless ``padded_end``: TensorFlow's ``same`` puts its odd row/column there, and
    counting padded cells then counts it too."""
    xp = pad(x, g, -np.inf if mode == "max" else 0.0)
    win = windows(xp, g, kh, kw)
    c, oh, ow = win.shape[:3]
    if mode == "max":
        flat = win.reshape(c, oh, ow, kh * kw)
        idx = flat.argmax(axis=-1)  # ties: the first in row-major order, as PyTorch's CPU loop
        out = np.take_along_axis(flat, idx[..., None], -1)[..., 0]
        winners = np.empty((c, oh, ow, 2), dtype=int)
        for i in range(oh):
            for j in range(ow):
                u, v = np.divmod(idx[:, i, j], kw)
                winners[:, i, j, 0] = g.rows(i, kh)[u]
                winners[:, i, j, 1] = g.cols(j, kw)[v]
        return PoolResult(out, winners, None)
    ph, pw = g.pad[0], g.pad[2]
    if count_include_pad and padded_end:  # every padded cell counts
        ones = np.ones((1, x.shape[1] + g.pad[0] + g.pad[1], x.shape[2] + g.pad[2] + g.pad[3]))
    elif count_include_pad:  # the window's cells inside input + padding (not a ceil overhang)
        ones = np.ones((1, x.shape[1] + 2 * ph, x.shape[2] + 2 * pw))
        ones = np.pad(ones, ((0, 0), (0, g.pad[1] - ph), (0, g.pad[3] - pw)))
    else:
        ones = pad(np.ones((1,) + x.shape[1:]), g, 0.0)
    counts = windows(ones, g, kh, kw)[0].sum(axis=(-1, -2))
    return PoolResult(win.sum(axis=(-1, -2)) / counts, None, counts)


def pool_backward(x: np.ndarray, mode: str, kh: int, kw: int, g: Geometry, res: PoolResult,
                  gy: np.ndarray) -> np.ndarray:
    xp = np.zeros((x.shape[0], x.shape[1] + g.pad[0] + g.pad[1], x.shape[2] + g.pad[2] + g.pad[3]))
    for i in range(g.out[0]):
        for j in range(g.out[1]):
            if mode == "max":
                assert res.winners is not None
                for c in range(x.shape[0]):
                    r, s = res.winners[c, i, j]
                    xp[c, r, s] += gy[c, i, j]
            else:
                assert res.counts is not None
                rows, cols = g.rows(i, kh), g.cols(j, kw)
                xp[:, rows[:, None], cols[None, :]] += (gy[:, i, j] / res.counts[i, j])[
                    :, None, None]
    t, _, lft, _ = g.pad
    return xp[:, t:t + x.shape[1], lft:lft + x.shape[2]]
