r"""Chinchilla L(N, D) fits.

* Chinchilla (Hoffmann et al. 2022): L(N, D) = E + A/N^a + B/D^b with C = 6 N D gives
  N_opt ~ C^(b/(a+b)), D_opt ~ C^(a/(a+b)). :func:`fit_chinchilla` fits it as Besiroglu et al. 2024
  recommend: Huber loss (delta = 1e-3) on log L *summed* over points, L-BFGS from a grid of starts,
  bootstrap confidence intervals. (An averaged objective shrinks the gradient by the number of points
  below L-BFGS's tolerance and stops early; tests/test_theory_scaling_laws.py catches that.)
"""
from __future__ import annotations

import itertools

import numpy as np
import sympy as sp

from .._lambdified import lambdified
a_, b_, C, N, D, E, A, B = sp.symbols("a b C N D E A B", positive=True)


def chinchilla_nopt_exponent():
    """d log N_opt / d log C for L = E + A N^-a + B D^-b, D = C/(6N)."""
    L = E + A * N**-a_ + B * (C / (6 * N))**-b_
    (nopt,) = sp.solve(sp.diff(L, N), N)
    return sp.simplify(sp.diff(sp.log(nopt), C) * C)


NOPT_EXPONENT = b_ / (a_ + b_)        # d log N_opt / d log C (D_opt: a/(a+b))
nopt_exponent = lambdified((a_, b_), NOPT_EXPONENT, "numpy")


# ---- the Chinchilla fitter --------------------------------------------------------------------
CHINCHILLA = dict(E=1.6934, A=float(np.exp(6.0073404)), B=float(np.exp(6.0179186)), a=0.33917,
                  b=0.28491)
HUBER_DELTA = 1e-3


def chinchilla_loss(params, logN, logD, logL, reduce="sum", delta=HUBER_DELTA):
    """Huber loss of log L_pred - log L, params = (e, log A, log B, a, b); returns (value, gradient)."""
    e, lA, lB, a, b = params
    t = np.stack([np.full_like(logN, e), lA - a * logN, lB - b * logD])
    mx = t.max(0)
    w = np.exp(t - mx)
    s = w.sum(0)
    res = mx + np.log(s) - logL
    soft = w / s
    small = np.abs(res) <= delta
    h = np.where(small, 0.5 * res**2, delta * (np.abs(res) - 0.5 * delta))
    dh = np.where(small, res, delta * np.sign(res))
    grad = np.array([(dh * soft[0]).sum(), (dh * soft[1]).sum(), (dh * soft[2]).sum(),
                     -(dh * soft[1] * logN).sum(), -(dh * soft[2] * logD).sum()])
    if reduce == "mean":
        return h.mean(), grad / len(res)
    return h.sum(), grad


START_GRID = dict(e=(0.0, 1.0), lA=(0.0, 5.0, 10.0), lB=(0.0, 5.0, 10.0), a=(0.2, 0.5, 1.0),
                  b=(0.2, 0.5, 1.0))     # 162 starts (Hoffmann et al. used a 4500-point grid)


BOOT_OPTIONS = dict(ftol=1e-12, gtol=1e-9, maxiter=2000)   # refits start at the optimum


def _best_fit(logN, logD, logL, idx, starts, reduce="sum", options=None):
    """The L-BFGS-B result of lowest objective over ``starts`` on the points ``idx``."""
    from scipy.optimize import minimize    # ~0.25 s of import: only where a fit runs
    best = None
    for x0 in starts:
        res = minimize(chinchilla_loss, np.asarray(x0, float), jac=True, method="L-BFGS-B",
                       args=(logN[idx], logD[idx], logL[idx], reduce), options=options)
        if best is None or res.fun < best.fun:
            best = res
    return best


def bootstrap_refit(N_, D_, L_, idx, start) -> np.ndarray:
    """One bootstrap replicate: the fit on the resampled points ``idx`` from ``start`` (the full
    fit's parameters) with tight tolerances; returns (a, b, b/(a+b))."""
    q = _best_fit(np.log(N_), np.log(D_), np.log(L_), idx, [start], options=BOOT_OPTIONS).x
    return np.array([q[3], q[4], q[4] / (q[3] + q[4])])


def bootstrap_ci(boot) -> np.ndarray:
    """95% percentile interval of the replicates (rows: a, b, b/(a+b)): shape (2, 3)."""
    return np.percentile(np.asarray(boot), [2.5, 97.5], axis=0)


def fit_chinchilla(N_, D_, L_, reduce="sum", starts=None, bootstrap=0, seed=0, options=None):
    """Fit L = E + A/N^a + B/D^b; returns dict(E, A, B, a, b, params, objective, ci (bootstrap 95%
    of a, b, b/(a+b)), nit). L-BFGS-B from every grid start with scipy's default tolerances (or
    ``options``), as Hoffmann et al.; bootstrap refits start from the estimate with tight ones
    (:func:`bootstrap_refit`, resamples drawn in turn from ``default_rng(seed)``)."""
    logN, logD, logL = np.log(N_), np.log(D_), np.log(L_)
    starts = list(itertools.product(*(starts or START_GRID).values()))
    best = _best_fit(logN, logD, logL, np.arange(len(logL)), starts, reduce, options)
    p = best.x
    out = dict(E=float(np.exp(p[0])), A=float(np.exp(p[1])), B=float(np.exp(p[2])),
               a=float(p[3]), b=float(p[4]), params=p, objective=float(best.fun), nit=int(best.nit))
    if bootstrap:
        rng = np.random.default_rng(seed)
        out["ci"] = bootstrap_ci([bootstrap_refit(N_, D_, L_, rng.integers(0, len(logL), len(logL)), p)
                                  for _ in range(bootstrap)])
    return out


def chinchilla_data(rng, noise=0.005, n_grid=12):
    """Synthetic (N, D, L) on a log grid spanning Chinchilla's runs, with multiplicative log-noise."""
    Ns = np.geomspace(7e7, 1.6e10, n_grid)
    Ds = np.geomspace(5e9, 5e11, n_grid)
    NN, DD = (g.ravel() for g in np.meshgrid(Ns, Ds))
    c = CHINCHILLA
    L = c["E"] + c["A"] / NN ** c["a"] + c["B"] / DD ** c["b"]
    return NN, DD, L * np.exp(noise * rng.standard_normal(L.shape))
