r"""The N <-> P duality of the Maloney-Roberts-Sully model, exact at finite sizes.

Latent x = A z with A = diag(sqrt(lambda)) [latent, latent], z ~ N(0, I_M); features phi = U x with
U [feature, latent] (N x M, i.i.d. N(0, 1)); P samples X = Z A with Z [sample, latent] (P x M,
i.i.d. N(0, 1)); target y = X w; min-norm least squares theta = F^+ y on F = X U^T = Z A U^T. The
test loss L = (1/2) |A (U^T theta - w)|^2 = (1/2) |(B - A) w|^2 with

    B = A U^T (Z A U^T)^+ Z A    [latent, latent].

For a teacher with E[w w^T] = I (Rademacher or Gaussian) E_w L = (1/2) |B - A|_F^2. Since
(M^+)^T = (M^T)^+, B^T = A Z^T (U A Z^T)^+ U A: B with U and Z exchanged, and |B - A|_F = |B^T - A|_F.
So E_w L(U, Z) = E_w L(Z, U) for every pair of matrices, and since U and Z are both i.i.d. standard
normal, E L(N = a, P = b) = E L(N = b, P = a) at every a, b and every latent dimension M: the loss
against N at P = p_big equals the loss against P at N = p_big in expectation, point by point (the
symmetry between model and data set size of Maloney, Roberts & Sully 2022; exact here, not only in
the large-M limit).
"""
from __future__ import annotations

import numpy as np


def teacher_averaged_loss(U: np.ndarray, Z: np.ndarray, lam: np.ndarray) -> float:
    """E_w L = (1/2) |B - A|_F^2 (module docstring) for features U [feature, latent], standard
    samples Z [sample, latent] and the latent spectrum lam [latent]; float64, numpy's pinv
    threshold."""
    a = np.sqrt(np.asarray(lam, float))
    F = (Z * a) @ U.T                                  # Z A U^T [sample, feature]
    B = (a[:, None] * U.T) @ np.linalg.pinv(F) @ (Z * a)
    return 0.5 * float(np.sum((B - np.diag(a)) ** 2))
