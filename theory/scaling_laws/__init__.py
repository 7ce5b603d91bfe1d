r"""Solvable models of neural scaling laws: the exponents, derived in sympy, and a Chinchilla fitter.

:mod:`.plrf`: power-law random features (Paquette, Paquette, Xiao & Pennington 2024): the SGD
second-moment recursion, the loss components and the seven compute-optimal rows (Ia, II, III
confirmed from the paper and its notebooks; Ib, Ic, IVa, IVb and the IVa | IVb split our derivation),
and the Maloney-Roberts-Sully tail. :mod:`.chinchilla`: Hoffmann et al. 2022's parametric L(N, D) and
the summed-Huber fitter of Besiroglu et al. 2024.
"""
from __future__ import annotations

import sympy as sp

from .chinchilla import (BOOT_OPTIONS, CHINCHILLA, HUBER_DELTA, START_GRID, a_, b_, bootstrap_ci,
                         bootstrap_refit, chinchilla_data, chinchilla_loss, chinchilla_nopt_exponent,
                         fit_chinchilla, nopt_exponent)
from .plrf import (ALPHA_IV, COMPONENTS, CONTINUITY, DROPPED, F0_LARGE_BETA, F0_SMALL_BETA, FAC,
                   FPP, FPP_S, G_SMALL, KPP, KPP_S, MONOTONE, PHASE_TABLE, PHASE_TERMS, PLRF_X,
                   PLRF_Y, TAU, al, balance, be, boundary_beta, boundary_factors, d_slope, in_steps,
                   margin, phase, plrf_checks, predicted)


def verify() -> dict[str, bool]:
    """Every symbolic check; returns {check name: passed}."""
    checks = plrf_checks()
    checks["Chinchilla: N_opt ~ C^(b/(a+b))"] = bool(
        sp.simplify(chinchilla_nopt_exponent() - b_ / (a_ + b_)) == 0)
    return checks
