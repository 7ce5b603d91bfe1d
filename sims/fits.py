"""Fits shared by the claims: power-law exponents with their standard errors.

A log-log slope is the least-squares fit log y = a + s log x (``scipy.stats.linregress``); its
standard error is the usual OLS one, sqrt(sum r_i^2 / (k - 2) / sum (log x_i - mean)^2) over k
points, so a claim can state its tolerance as a number of standard errors with the point count.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Slope(NamedTuple):
    """Fitted exponent ``slope``, its OLS standard error ``stderr`` (nan for 2 points) and the
    number of points ``k`` used."""

    slope: float
    stderr: float
    k: int


def loglog_slope(x, y) -> Slope:
    """Exponent s of y ~ x^s by least squares in log-log over the points where both are finite and
    positive; nan when fewer than two such points remain."""
    x, y = np.asarray(x, float).ravel(), np.asarray(y, float).ravel()
    if x.shape != y.shape:
        return Slope(float("nan"), float("nan"), 0)
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    k = int(ok.sum())
    if k < 2 or np.ptp(np.log(x[ok])) == 0:
        return Slope(float("nan"), float("nan"), k)
    from scipy import stats       # here, not at import: scipy.stats costs every process ~1 s
    fit = stats.linregress(np.log(x[ok]), np.log(y[ok]))
    return Slope(float(fit.slope), float(fit.stderr) if k > 2 else float("nan"), k)


def semilog_slope(x, y) -> Slope:
    """Slope s of y = a + s log x (least squares), with its standard error."""
    x, y = np.asarray(x, float).ravel(), np.asarray(y, float).ravel()
    if x.shape != y.shape:
        return Slope(float("nan"), float("nan"), 0)
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0)
    k = int(ok.sum())
    if k < 2 or np.ptp(np.log(x[ok])) == 0:
        return Slope(float("nan"), float("nan"), k)
    from scipy import stats
    fit = stats.linregress(np.log(x[ok]), y[ok])
    return Slope(float(fit.slope), float(fit.stderr) if k > 2 else float("nan"), k)
