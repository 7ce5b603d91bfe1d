r"""The Li2 energy of grokking on modular addition, its Fourier maxima, the ridge identity and the
sample-size scaling law (Tian 2025, "Provable Scaling Laws of Feature Emergence from Learning
Dynamics of Grokking", arXiv:2509.21519).

Setting (the paper's Sec. 3 and its code, yuandong-tian/understanding, cogo/modular_addition_simple2):
inputs x = [e_a; e_b] in R^{2M} stacked as the rows of X (n x 2M), hidden F = sigma(X W^T) (n x K),
output O = F V^T, centred targets Ytil = Y - 1/M (rows e_y - 1/M).

Stage I -> II (the ridge identity). For a top layer at its ridge optimum with weight decay eta,
V^T = (F^T F + eta I)^{-1} F^T Ytil, the residual is

    Ytil - F (F^T F + eta I)^{-1} F^T Ytil = eta (F F^T + eta I)^{-1} Ytil,

so with weight decay the back-propagated gradient G_F = -dL/dF = (Ytil - F V^T) V
= eta (F F^T + eta I)^{-1} Ytil Ytil^T F (F^T F + eta I)^{-1} carries the labels, and eta G_F ->
Ytil Ytil^T F as eta -> inf (F small against sqrt(eta)): column j of G_F depends on node j only.

Stage II (independent feature learning). Then each node w (a row of W) follows
dw/dt ∝ X^T [sigma'(X w) * Ytil Ytil^T sigma(X w)] = grad E(w), gradient ascent of the energy

    E(w) = 1/2 |Ytil^T sigma(X w)|^2,

whose local maxima on the sphere |w| = 1 are the emerging features. For sigma(x) = x^2 and the full
data set (all M^2 pairs), with w = [u; v] and DFT hats (u_k = sum_a u_a exp(-2 pi i k a/M)):

    E(w) = (2/M) sum_{k != 0} |u_k|^2 |v_k|^2  <=  M/4 on the unit sphere,

with equality iff u and v are pure frequency +-k (k != 0) of equal norm 1/2 (phases free): these
Fourier features are the maxima. :func:`verify` checks the Fourier form, the bound, stationarity and
that the Riemannian Hessian on the sphere is negative definite apart from the two phase directions
(exactly for M = 3 and 5 (k = 1), in floating point for every k at M = 5, 7, 11).

A non-abelian group (the paper's group-arithmetic setting, irreducible representations in place of
frequencies): the dihedral group D_n, n odd (:func:`group_table`). R^G splits into isotypic components
with projectors P_rho[g, h] = (d_rho/|G|) chi_rho(g h^-1) (trivial, sign and (n - 1)/2 two-dimensional
irreps); :func:`verify` checks the table's group axioms and, exactly for D_3 and D_5, that these
projectors are orthogonal idempotents summing to I that commute with left and right translations.
For Z_M the same projectors are the Fourier frequency classes (:func:`irrep_spectrum` equals
:func:`folded_spectrum`, tested).

The paper states the maximum as E* = M/16 for odd M. With its definitions, sigma(x) = x^2 and
|w| = 1 the maximum is M/4 (checked exactly above); :func:`verify` also checks that the bare cross
term, E_x(w) = 1/2 |Ytil^T (u_a v_b)|^2, is exactly E/4 (the squares u_a^2, v_b^2 are constant over
classes and centre away), so M/16 is the maximum of E without the factor 2 of 2 u_a v_b, or
equivalently of E for sigma(x) = x^2/2. A normalisation of w cannot give it naturally: E is
homogeneous of degree 4, so |u| = |v| = 1 gives M and M/16 needs |w|^2 = 1/2. The suite uses M/4.

Sample-size scaling (Theorem 4: n >~ d_k^2 M log(M/delta) training pairs, universal constants
unnamed): a training fraction ~ ln M / M. The paper gives no numeric constant; C_CRIT = 2.7482 is
``critical_ratio_multiplier`` of the author's code (cogo/config/dyn_madd.yaml, used only with
``use_critical_ratio: true``, off by default). The suite uses p*(M) = C_CRIT ln M / M only as a
reference curve; the claims test the shape ln M / M against rival laws (:data:`THRESHOLD_LAWS`).
"""
from __future__ import annotations

from .core import (C_CRIT, CRITICAL_FRACTION, ENERGY_MAX, FORMULAS, GROUPS, LOCAL_EXPONENT,
                   PREDICTED_LAW, REF, SCALING_VARIABLE, THRESHOLD_LAWS, critical_fraction, dataset,
                   energy, energy_grad, energy_hessian, energy_max, fold_power, folded_spectrum,
                   fourier_energy, fourier_feature, group_table, ipr, irrep_projectors,
                   irrep_spectrum, law, law_exponent, power_energy, power_spectra,
                   scaling_variable)
from .symbolic import verify

__all__ = ["CRITICAL_FRACTION", "C_CRIT", "ENERGY_MAX", "FORMULAS", "GROUPS", "LOCAL_EXPONENT",
           "PREDICTED_LAW", "REF", "SCALING_VARIABLE", "THRESHOLD_LAWS", "critical_fraction",
           "dataset", "energy", "energy_grad", "energy_hessian", "energy_max", "fold_power",
           "folded_spectrum", "fourier_energy", "fourier_feature", "group_table", "ipr",
           "irrep_projectors", "irrep_spectrum", "law", "law_exponent", "power_energy",
           "power_spectra", "scaling_variable", "verify"]
