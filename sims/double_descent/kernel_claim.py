"""The random-features Gram claim: the feature Gram matrix G = Z Z^T / N concentrates on the
arc-cosine kernel K1 of the inputs (Cho & Saul 2009) at the Monte-Carlo rate, exactly
E |G - K1|_F^2 = sum (K2 - K1^2) / N (:mod:`theory.double_descent`). The prediction is an expectation
over the feature weights, so it uses none of the run's weight draws, and it is a level, not an
oracle: a feature map scaled as ReLU(w.x / d) instead of ReLU(w.x / sqrt(d)) (kernel K1 / d) is the
rival the same check must reject. Reads ``gram_sq``, ``gram_kernel``, ``kernel_sq``, ``gram_var``
[seed] (sims.double_descent.run.gram_moments)."""
from __future__ import annotations

import numpy as np

from ..verdicts import Claim, controlled, within_se
from ..results import Result

CHO_SAUL = ("Cho & Saul 2009 Eq. 1-4 (arc-cosine kernels J_1, J_2); Mei & Montanari 2022 Sec. 2 "
            "(random features ReLU(w.x/sqrt(d)), w ~ N(0, I_d))")
NAME = "feature Gram = arc-cosine kernel at the Monte-Carlo rate"
Z_GRAM = 3.5          # two-sided: ~5e-4 false-fail


def gram_ratio(res: Result, scale: float) -> np.ndarray:
    """Per seed: |G - c K1|_F^2 / (c^2 E|G - K1|_F^2) for the kernel scale c (1: the theory; 1/d:
    the rival normalisation, whose kernels are K1/d and K2/d^2)."""
    err = res["gram_sq"] - 2 * scale * res["gram_kernel"] + scale**2 * res["kernel_sq"]
    return err / (scale**2 * res["gram_var"])


def gram_claim(res: Result) -> Claim:
    """Mean over seeds of |G - K1|_F^2 / E|G - K1|_F^2 = 1 within Z_GRAM seed standard errors
    (control: the same ratio for the rival kernel K1/d)."""
    d = int(res.meta["config"]["d"])
    N = int(np.max(res["widths"]))
    S = int(np.asarray(res["gram_sq"]).size)

    def check(ratio):
        ratio = np.asarray(ratio, float)
        se = float(np.std(ratio, ddof=1) / np.sqrt(ratio.size)) if ratio.size > 1 else np.inf
        return within_se(NAME, CHO_SAUL, f"mean over {S} seeds of |Z Z^T/N - K1|_F^2 / (sum (K2 - "
                         f"K1^2)/N) at N = {N} features (K1, K2: arc-cosine kernels of the inputs, "
                         "from theory.double_descent, not from the sampled weights)", 1.0,
                         float(np.mean(ratio)), se, z=Z_GRAM,
                         why=f"G is a mean of N independent matrices with mean K1 and entry "
                             f"variances K2 - K1^2, so the ratio has mean exactly 1; tolerance "
                             f"{Z_GRAM:g} standard errors of the mean over the {S} seeds")
    return controlled(check(gram_ratio(res, 1.0)), check(gram_ratio(res, 1.0 / d)),
                      f"rival: features ReLU(w.x/d) (kernel K1/{d})")
