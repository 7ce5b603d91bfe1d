"""The Hessian-vector product against a finite difference of the gradient, at a state of a run.

At a state where the loss is not zero, H v = J^T J v / N + (1/N) sum_i r_i grad^2 f_i v: the residual
term is what the Gauss-Newton product G v = J^T J v / N leaves out, and what a sign or factor slip in
the curvature's second-order pass changes. The central difference of the gradient along a unit v,

    D(e) = [grad L(theta + e v) - grad L(theta - e v)] / (2 e) = H v + O(e^2),

at e and e/2 bounds its own error: D(e) - D(e/2) = (3/4) c e^2 + O(e^4) while D(e/2) - H v =
(1/4) c e^2 + O(e^4), so |D(e/2) - H v| ~ |D(e) - D(e/2)| / 3. The check (:func:`curvature_check`)
records |H v - D(e/2)|, |G v - D(e/2)| and |D(e) - D(e/2)|, each relative to |D(e/2)|.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import net
from .curvature import Curvature

FD_STEP = 1e-4      # e of the central differences (parameters are O(1): truncation ~1e-8,
                    # round-off ~ eps |grad| / e ~ 1e-12 relative)


class CurvatureCheck(NamedTuple):
    """Relative gaps to the central difference D(e/2) of the gradient along one unit direction."""

    hvp_fd_gap: float   # |H v - D(e/2)| / |D(e/2)|: the Hessian-vector product the run uses
    gn_fd_gap: float    # |G v - D(e/2)| / |D(e/2)|: the Gauss-Newton product (the control)
    fd_spread: float    # |D(e) - D(e/2)| / |D(e/2)|: ~3x the truncation error of D(e/2)


def curvature_check(bk, Ws, mults, X, y, act, rng, step: float = FD_STEP) -> CurvatureCheck:
    """The check of the module docstring at the state ``Ws`` (a list of layer arrays of backend
    ``bk``) on the data ``X`` [feature, sample], ``y`` [sample], along a direction drawn from
    ``rng`` (standard normal, normalised)."""
    curv = Curvature(bk, Ws, mults, X, y, act)
    v = rng.standard_normal(curv.dim)
    v /= np.linalg.norm(v)
    parts = curv.split(v)

    def grad(s: float) -> np.ndarray:
        shifted = [W + s * V for W, V in zip(Ws, parts)]
        g = net.loss_and_grad(bk.xp, shifted, mults, X, y, act).grads
        return np.concatenate([bk.to_numpy(a).ravel() for a in g])

    wide = (grad(step) - grad(-step)) / (2 * step)
    fine = (grad(step / 2) - grad(-step / 2)) / step
    scale = float(np.linalg.norm(fine))
    gap = lambda u: float(np.linalg.norm(u - fine)) / scale      # noqa: E731
    return CurvatureCheck(gap(curv.matvec(v)), gap(curv.matvec(v, gauss_newton=True)), gap(wide))
