r"""Solvable models of neural scaling laws: the exponents, derived in sympy, and a Chinchilla fitter.

:mod:`.plrf`: power-law random features (Paquette, Paquette, Xiao & Pennington 2024): the SGD
second-moment recursion, the loss components and the seven compute-optimal rows (Ia, II, III
confirmed from the paper and its notebooks; Ib, Ic, IVa, IVb and the IVa | IVb split our derivation),
and the Maloney-Roberts-Sully tail. :mod:`.chinchilla`: Hoffmann et al. 2022's parametric L(N, D) and
the summed-Huber fitter of Besiroglu et al. 2024.
"""
from __future__ import annotations

import sympy as sp

from ..formulas import Formula
from .chinchilla import (BOOT_OPTIONS, CHINCHILLA, HUBER_DELTA, NOPT_EXPONENT, START_GRID, a_, b_,
                         bootstrap_ci, bootstrap_refit, chinchilla_data, chinchilla_loss,
                         chinchilla_nopt_exponent, fit_chinchilla, nopt_exponent)
from .plrf import (ALPHA_IV, COMPONENTS, CONTINUITY, DROPPED, F0_LARGE_BETA, F0_SMALL_BETA, FAC,
                   FPP, FPP_S, G_SMALL, KPP, KPP_S, MONOTONE, PHASE_TABLE, PHASE_TERMS, PLRF_X,
                   PLRF_Y, TAU, al, balance, be, boundary_beta, boundary_factors, d_slope, in_steps,
                   margin, phase, plrf_checks, predicted)


def verify() -> dict[str, bool]:
    """Every symbolic check; returns {check name: passed}."""
    checks = plrf_checks()
    checks["Chinchilla: N_opt ~ C^(b/(a+b))"] = bool(
        sp.simplify(chinchilla_nopt_exponent() - NOPT_EXPONENT) == 0)
    return checks


# ---- the verified formulas, by name (theory.formulas(), python -m theory list) ---------------------
PAQUETTE = "Paquette, Paquette, Xiao & Pennington 2024 (4+3 phases)"
_PHASE_DOMAIN = {"Ia": {"alpha": (0.5, 5), "beta": (0, 0.5)},          # 2 beta < 1 < 2 alpha
                 "II": {"alpha": (1.5, 5), "beta": (0.5, 1.5)},        # 1 < 2 beta, beta < alpha
                 "III": {"alpha": (0.5, 1)}}                           # 1 < 2 alpha, alpha < beta


def _phase_formula(row: str, k: int) -> Formula:
    expr = PHASE_TABLE[row][k]
    what = ("d* ~ f^x: exponent x of the compute-optimal parameter count" if k == 0 else
            "P* ~ f^-y: exponent y of the compute-optimal loss")
    return Formula(f"plrf_{row}_{'x' if k == 0 else 'y'}", expr, f"PLRF phase {row}, {what}",
                   PAQUETTE + f", phase {row} (confirmed from the paper and the authors' notebooks)",
                   {k: v for k, v in _PHASE_DOMAIN[row].items() if sp.Symbol(k, positive=True)
                    in expr.free_symbols})


FORMULAS = (
    _phase_formula("Ia", 0), _phase_formula("Ia", 1), _phase_formula("II", 0),
    _phase_formula("II", 1), _phase_formula("III", 1),
    Formula("plrf_fpp_exponent", TAU, "t-exponent of the population-bias component "
            "F_pp ~ t^-(2 alpha + 2 beta - 1)/(2 alpha), SGD time t = gamma r",
            PAQUETTE + ", Sec. 3 loss components", {"alpha": (0.25, 5), "beta": (0.25, 5)}),
    Formula("chinchilla_nopt_exponent", NOPT_EXPONENT, "N_opt ~ C^(b/(a+b)) for "
            "L = E + A/N^a + B/D^b at C = 6 N D", "Hoffmann et al. 2022 (Chinchilla), parametric fit",
            {"a": (0, 1), "b": (0, 1)}),
)
