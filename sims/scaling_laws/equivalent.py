r"""Deterministic equivalent (random-matrix limit) of one-pass SGD's expected loss on the power-law
random-feature model, for d far beyond what sampling a v x d Gaussian matrix allows.

Reference: Paquette, Paquette, Xiao & Pennington 2024, "4+3 Phases of Compute-Optimal Neural Scaling
Laws" (the PLRF model and its deterministic-equivalent loss curves); Silverstein & Bai 1995 for the
sample-covariance fixed point.

Model (as in :mod:`sims.scaling_laws.plrf`): x_j ~ N(0, D_j), D_j = j^(-2 alpha), j = 1..v, v = v_ratio d;
target b_j = j^(-beta); W in R^(v x d), W_jk ~ N(0, 1/d); H = W^T D W; P(theta) =
(1/2)|D^(1/2)(W theta - b)|^2; gamma = lr / sum_j D_j.

Exact expected-loss recursion over the eigenpairs (lambda_i, u_i) of H, aggregated into spectral
nodes b with node value lam_b, eigenvalue count n_b and forcing weight w_b = sum_{i in b} lambda_i
a_i(0), A_b = (sum_{i in b} a_i) / n_b:

    A_b(k+1) = rho_b A_b(k) + 2 gamma^2 lam_b P(k),   rho_b = 1 - 2 gamma lam_b + 2 gamma^2 lam_b^2,
    P(k) = (1/2) sum_b n_b lam_b A_b(k) + P_inf,       A_b(0) = w_b / (n_b lam_b),

exact when each node holds equal eigenvalues (n_b = 1 on the eigenpairs of one H is the recursion
:func:`sims.scaling_laws.plrf.expected_loss`).

Deterministic equivalent. m(z) = (1/d) tr (H - z)^-1 solves (Silverstein; root with Im m > 0 for
Im z > 0)

    m(z) = 1 / ( -z + (1/d) sum_{j<=v} D_j / (1 + D_j m(z)) ),

and, with K = D^(1/2) W W^T D^(1/2), (K - z)^-1 ~ -(1/z) (I + m(z) D)^-1, so the target's spectral
transform is

    G_b(z) = <D^(1/2) b, (K - z)^-1 D^(1/2) b> ~ -(1/z) sum_j D_j b_j^2 / (1 + m(z) D_j).

Consequences used here:

* P_inf ~ (1/2) sum_j D_j b_j^2 / (1 + m0 D_j), m0 > 0 the real root at z = 0,
  m0 = d / sum_j D_j / (1 + D_j m0) (the atom of the target measure at 0: K has rank d < v);
* eigenvalue counting measure of H: dN(lambda) = (d / pi) Im m(lambda + i0) dlambda;
* target (forcing) measure on lambda > 0: dmu_b(lambda) = (1/pi) Im G_b(lambda + i0) dlambda, its atom
  at 0 (= 2 P_inf) removed; n_b and w_b are the masses of these two measures in the node bins.

Numerics (:func:`equivalent_spectrum`): m is solved on rays z = x e^{i theta}, x on a log grid
(``points_per_decade`` bins per decade, ``Q`` midpoint sub-points per bin, theta = ``eta_factor``
times the sub-point spacing in log x). For a measure mu with transform G, Im[z G(z)] at z = x e^{i theta}
is mu smoothed in s = log x by sin(theta) / (2 (cosh s - cos theta)), which has mass pi - theta, so the
sub-point sums conserve mass; with z G_b(z) = -T(m), T(m) = sum_j D_j b_j^2 / (1 + m D_j), the atom at 0
drops out, and z m(z) d gives the eigenvalue count. The kernel's tails ~ theta e^-|s| would dominate
where a log-density falls faster than e^-|s| (the top outliers' weight leaking down to the slow modes
when 2 beta > 1, the bulk's count leaking up when alpha < 1/2), so the two-level combination
(2 Im[zG](theta) - Im[zG](2 theta)) / pi is used: unit mass, tails O(theta^3). Sub-points outside the
support [x_lo, x_hi] (its edges from the real-m inverse x = S(m) - 1/m, Silverstein & Choi 1995) are
folded onto it; node values are the count-weighted mean x of their bin. Each z is solved by Newton from
its upper neighbour on the ray (sub-stepping on failure), else by continuation in Im z from far above
the spectrum (m ~ -1/z); convergence (residual < 1e-10) and Im m > 0 are asserted, and since the root
with Im m > 0 is unique that identifies m. Masses are renormalised to sum n_b = d and sum w_b =
b^T D b - 2 P_inf; the relative errors before that (typically 1e-8 and 1e-5) are returned. Node
resolution: at the defaults (60 bins per decade, Q = 4, eta_factor = 1.5) loss curves are within
~0.2% of those at 240 bins per decade, Q = 8, for d = 128 .. 1e4.

Sums over j <= v are compressed (:func:`sum_nodes`): exact terms for j <= J0 and, for j > J0, the
Euler-Maclaurin midpoint rule, sum_{J0<j<=v} f(j) = int_{J0+1/2}^{v+1/2} f - (1/24)[f'] + O(f'''),
the integral by Gauss-Legendre on log-spaced panels and f' by central differences, all as one set of
weighted abscissae (x_q, om_q) used for every j-sum.
"""
from __future__ import annotations

import numpy as np

from ..backend import Backend, get_backend, kernel

J0 = 2000


# ---- compressed sums over j ------------------------------------------------------------------------
def sum_nodes(v, j0=J0, panel_log=0.25, order=12, h=0.25):
    """Abscissae x_q and weights om_q with sum_{j=1}^v f(j) ~= sum_q om_q f(x_q) for f smooth in j
    beyond j0 (relative error ~1e-12 for the power-law functions used here)."""
    v = int(v)
    if v <= j0:
        return np.arange(1, v + 1, dtype=float), np.ones(v)
    xs, ws = [np.arange(1, j0 + 1, dtype=float)], [np.ones(j0)]
    a, b = j0 + 0.5, v + 0.5
    n_pan = max(1, int(np.ceil(np.log(b / a) / panel_log)))
    edges = np.exp(np.linspace(np.log(a), np.log(b), n_pan + 1))
    t, gw = np.polynomial.legendre.leggauss(order)
    for lo, hi in zip(edges[:-1], edges[1:]):
        # Gauss-Legendre in s = log x on [log lo, log hi]: dx = x ds
        s0, s1 = np.log(lo), np.log(hi)
        s = 0.5 * (s1 - s0) * t + 0.5 * (s1 + s0)
        xs.append(np.exp(s))
        ws.append(0.5 * (s1 - s0) * gw * np.exp(s))
    # - (1/24) [f'(b) - f'(a)], f'(c) ~ (f(c + h) - f(c - h)) / (2 h)
    c = 1.0 / (48.0 * h)
    xs.append(np.array([b + h, b - h, a + h, a - h]))
    ws.append(np.array([-c, c, c, -c]))
    return np.concatenate(xs), np.concatenate(ws)


def _problem_nodes(alpha, beta, d, v_ratio, j0=J0):
    v = int(v_ratio * d)
    x, om = sum_nodes(v, j0)
    u = x ** (-2.0 * alpha)
    c2 = u * x ** (-2.0 * beta)          # D_j b_j^2
    return dict(v=v, x=x, om=om, u=u, c2=c2, gamma_den=float(om @ u), bDb=float(om @ c2))


def m_at_zero(u, om, d):
    """The real root m0 > 0 of m0 = d / sum_j D_j / (1 + D_j m0) (brentq on log m0)."""
    from scipy.optimize import brentq     # here, not at import: ~0.2 s of every process's start
    h = lambda s: np.exp(s) * (om @ (u / (1.0 + u * np.exp(s)))) / d - 1.0   # noqa: E731
    lo, hi = -5.0, 5.0
    while h(lo) > 0:
        lo -= 5.0
    while h(hi) < 0:
        hi += 5.0
    return float(np.exp(brentq(h, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=500)))


def limit_loss(alpha, beta, d, v_ratio, j0=J0):
    """P_inf ~ (1/2) sum_j D_j b_j^2 / (1 + m0 D_j) (no spectrum needed)."""
    nd = _problem_nodes(alpha, beta, d, v_ratio, j0)
    m0 = m_at_zero(nd["u"], nd["om"], d)
    return 0.5 * float(nd["om"] @ (nd["c2"] / (1.0 + m0 * nd["u"])))


def support_edges(u, om, d, m0):
    """Edges of the deterministic-equivalent spectrum of H: off the support m is real and x = z(m) =
    S(m) - 1/m, S(m) = (1/d) sum_j D_j / (1 + D_j m); the top edge is min z over m in (-1/D_1, 0),
    the bottom edge max z over m in (m0, inf) (Silverstein & Choi 1995)."""
    from scipy.optimize import minimize_scalar
    zf = lambda m: float(om @ (u / (1.0 + u * m))) / d - 1.0 / m   # noqa: E731
    D1 = float(u.max())
    # top: m = -(1/D1) (1 - e^t), t in (-inf, 0)
    r = minimize_scalar(lambda t: zf(-(1.0 - np.exp(t)) / D1), bounds=(-60.0, -1e-12),
                        method="bounded", options=dict(xatol=1e-10))
    x_hi = float(r.fun)
    # bottom: m = m0 e^t, t > 0; z rises from 0 at m0, the first local maximum is the edge
    t = np.linspace(0.0, 80.0, 1601)
    zt = np.array([zf(m0 * np.exp(q)) for q in t])
    i = int(np.flatnonzero(np.diff(zt) < 0)[0])
    r = minimize_scalar(lambda q: -zf(m0 * np.exp(q)), bounds=(t[max(i - 1, 0)], t[i + 1]),
                        method="bounded", options=dict(xatol=1e-12))
    x_lo = float(-r.fun)
    return x_lo, x_hi


def stieltjes(alpha, d, v_ratio, z, j0=J0):
    """m(z) = (1/d) tr (H - z)^-1 (deterministic equivalent) at complex z with Im z > 0."""
    from ..kernels.plrf_equivalent import solve_stieltjes
    nd = _problem_nodes(alpha, 0.0, d, v_ratio, j0)
    z = np.atleast_1d(np.asarray(z, dtype=complex))
    assert np.all(z.imag > 0), "stieltjes needs Im z > 0"
    eta0 = 10.0 * (1.0 + nd["gamma_den"])
    m, st = solve_stieltjes(z.real.copy(), z.imag.copy(), nd["u"], nd["om"], 1.0 / d, eta0)
    assert not st.any(), f"fixed point failed to converge at {int(st.sum())} of {z.size} points"
    return m


# ---- deterministic-equivalent spectrum -------------------------------------------------------------
def equivalent_spectrum(alpha, beta, d, v_ratio, points_per_decade=60, Q=4, eta_factor=1.5,
                        j0=J0, lo=None, hi=None):
    """Spectral nodes of the deterministic equivalent: node values ``lam``, eigenvalue counts ``n``
    (sum d), forcing weights ``w`` (sum b^T D b - 2 P_inf), ``p_inf``, ``gamma_den`` = sum_j D_j,
    ``bDb``, and the relative mass errors before renormalisation."""
    from ..kernels.plrf_equivalent import resolvent_sums, solve_stieltjes_ray
    nd = _problem_nodes(alpha, beta, d, v_ratio, j0)
    u, om, c2 = nd["u"], nd["om"], nd["c2"]
    s0 = nd["gamma_den"] / d                       # (1/d) tr D: the isotropic part of H
    if hi is None:
        hi = 30.0 * (np.sqrt(u[0]) * (1.0 + 1.0 / np.sqrt(d)) + np.sqrt(s0)) ** 2
    if lo is None:
        lo = 1e-2 * min(float(nd["u"][-1]) if nd["v"] <= j0 else (nd["v"] ** (-2.0 * alpha)), s0)
    m0 = m_at_zero(u, om, d)
    p_inf = 0.5 * float(om @ (c2 / (1.0 + m0 * u)))
    # log grid: bins of width hb in log x, Q midpoint sub-points each
    nb = int(np.ceil(np.log10(hi / lo) * points_per_decade))
    hb = np.log(hi / lo) / nb
    hs = hb / Q
    s = np.log(lo) + hs * (np.arange(nb * Q) + 0.5)
    x = np.exp(s)
    # z = x e^{i theta}: Im[z G(z)] / (pi - theta) is the measure smoothed in log x by the strip
    # Poisson kernel sin(theta) / (2 (cosh s - cos theta)) / (pi - theta), which has unit mass in s and
    # exponential tails (a fixed eta would smooth in x; eta ~ x would leak mass like log x).
    theta = eta_factor * hs
    # the kernel's tails, ~ theta / (2 (cosh s - 1)) at leading order, are what would matter: the
    # target's log-density rises faster than e^s when 2 beta > 1 (the top outliers' weight would leak
    # down to the slow modes) and the eigenvalue count's falls faster than e^-s when alpha < 1/2.
    # (2 Im[zG](theta) - Im[zG](2 theta)) / pi cancels them at O(theta) (left: O(theta^3)) and keeps
    # unit mass.
    dens_n = np.zeros(x.size)
    dens_w = np.zeros(x.size)
    for k, coef in ((1, 2.0 / np.pi), (2, -1.0 / np.pi)):
        th = k * theta
        m, st = solve_stieltjes_ray(x * np.cos(th), x * np.sin(th), u, om, 1.0 / d, 10.0 * hi)
        assert not st.any(), f"fixed point failed at {int(st.sum())} of {x.size} grid points"
        assert np.all(m.imag > 0)
        z = x * np.exp(1j * th)
        dens_n += coef * d * np.imag(z * m)                # per unit log x
        # z G_b(z) = -T(m), T(m) = sum_j D_j b_j^2 / (1 + m D_j): the atom at 0 drops out
        dens_w += coef * -np.imag(resolvent_sums(m, u, om * c2))
    qn, qw = dens_n * hs, dens_w * hs                      # masses per sub-interval
    mass_error_n = float(qn.sum() / d - 1.0)
    w_tot = nd["bDb"] - 2.0 * p_inf
    mass_error_w = float(qw.sum() / w_tot - 1.0)
    # support [x_lo, x_hi]: the smoothing spreads each band by ~theta in log x, so some mass lies
    # outside it (above the top eigenvalue, where SGD with this gamma may be unstable, and below the
    # bulk, as spurious slow modes). Sub-points are clipped to the support before binning: that mass
    # is folded into the edge bins, not dropped (dropping and renormalising would move the top
    # outlier's weight, most of b^T D b, onto every mode).
    x_lo, x_hi = support_edges(u, om, d, m0)
    xc = np.clip(x, x_lo, x_hi)
    idx = np.clip(np.floor((np.log(xc) - np.log(lo)) / hb).astype(np.int64), 0, nb - 1)
    n = np.bincount(idx, qn, nb)
    w = np.bincount(idx, qw, nb)
    lam = np.bincount(idx, qn * xc, nb)
    keep = n > 0
    lam, n, w = lam[keep] / n[keep], n[keep], np.maximum(w[keep], 0.0)
    n = n * (d / n.sum())
    w = w * (w_tot / w.sum())
    return dict(lam=lam, n=n, w=w, p_inf=p_inf, gamma_den=nd["gamma_den"], bDb=nd["bDb"],
                mass_error_n=mass_error_n, mass_error_w=mass_error_w, m0=m0, support=(x_lo, x_hi))


# ---- the weighted recursion ------------------------------------------------------------------------
@kernel(numba="sims.kernels.plrf_equivalent:weighted_expected_loss")
def weighted_expected_loss(xp, lam, n, w, gamma, p_inf, log_steps):
    """A_b <- rho_b A_b + 2 g^2 lam_b P, P = sum_b n_b lam_b A_b / 2 + P_inf, A_b(0) = w_b/(n_b lam_b),
    logged at the host array ``log_steps`` (increasing integers). Carried as q_b = n_b lam_b A_b."""
    rho = 1 - 2 * gamma * lam + 2 * gamma**2 * lam**2
    f = 2 * gamma**2 * n * lam**2
    q = w
    out, k = [], 0
    for target in np.asarray(log_steps, dtype=np.int64).tolist():
        while k < target:
            P = 0.5 * xp.sum(q) + p_inf
            q = rho * q + f * P
            k += 1
        out.append(0.5 * xp.sum(q) + p_inf)
    return xp.stack(out)


@kernel(numba="sims.kernels.plrf_equivalent:block_expected_loss")
def block_expected_loss(xp, lam, n, w, gamma, p_inf, log_steps, h):
    """:func:`weighted_expected_loss` advanced in blocks of Delta = max(1, floor(h k)) steps (never past
    the next logged step), exact for P linear in k over a block:
        q(k0 + Delta) = rho^Delta q(k0) + f [P0 (S0 - S1) + P1 S1],
        S0 = sum_{i<Delta} rho^(Delta-1-i) = (1 - rho^Delta)/(1 - rho),  S1 = sum_i rho^(Delta-1-i) i/Delta,
    P1 = sum q(k0 + Delta)/2 + P_inf solved for (it is linear in P1). Delta = 1 is the exact recursion;
    the interpolation error is second order in h (tests/test_plrf_equivalent.py), so 10^12 steps cost
    ~ log(10^12)/h blocks of O(nodes)."""
    e = 2 * gamma * lam - 2 * gamma**2 * lam**2            # 1 - rho without cancellation
    f = 2 * gamma**2 * n * lam**2
    L = xp.log1p(-e)
    q = w
    P = 0.5 * float(xp.sum(q)) + p_inf
    out, k = [], 0
    for target in np.asarray(log_steps, dtype=np.int64).tolist():
        while k < target:
            D = min(max(1, int(h * k)), target - k)
            E = xp.exp(D * L)
            if D == 1:
                S0, S1 = xp.ones_like(e), xp.zeros_like(e)
            else:
                S0 = -xp.expm1(D * L) / e
                N = D - 1.0
                T_series = N * (N + 1) / 2 - e * N * (N + 1) * (2 * N + 1) / 6
                T_closed = (1 - e) * ((1 - E) - D * E * e / (1 - e)) / (e * e)
                T = xp.where(D * e < 1e-6, T_series, T_closed)
                S1 = ((D - 1.0) * S0 - T) / D
            base = E * q + f * (S0 - S1) * P
            P1 = (0.5 * float(xp.sum(base)) + p_inf) / (1 - 0.5 * float(xp.sum(f * S1)))
            q = base + f * S1 * P1
            P, k = P1, k + D
        out.append(P)
    return xp.asarray(out)


BLOCK_H = 0.01     # block_expected_loss: relative error ~1e-5 at h = 0.01 (second order in h)


def equivalent_curves(alpha, beta, d_grid, v_ratio, lr, steps, backend="numba", block_h=BLOCK_H,
                      **spectrum_kw):
    """Deterministic-equivalent expected-loss curves, shape (len(d_grid), len(steps)); gamma =
    lr / sum_j D_j (same convention as :func:`sims.scaling_laws.compute_optimal.co_curves`).
    ``block_h`` > 0 advances
    the recursion in blocks (:func:`block_expected_loss`); 0 runs every step. ``backend``: a
    resolved :class:`sims.backend.Backend` (a run's) or a backend's name."""
    bk = backend if isinstance(backend, Backend) else get_backend(backend)
    steps = np.asarray(steps, dtype=np.int64)
    out = []
    for d in d_grid:
        sp = equivalent_spectrum(alpha, beta, int(d), v_ratio, **spectrum_kw)
        gamma = float(lr / sp["gamma_den"])
        args = (bk.asarray(sp["lam"]), bk.asarray(sp["n"]), bk.asarray(sp["w"]), gamma, sp["p_inf"], steps)
        curve = (block_expected_loss(bk, *args, block_h) if block_h > 0
                 else weighted_expected_loss(bk, *args))
        out.append(bk.to_numpy(curve))
    return np.asarray(out)


def gd_curve(alpha, beta, d, v_ratio, lr, steps, **spectrum_kw):
    """The rival without SGD noise on the same spectral nodes: full-batch gradient descent,
    q_b(k) = (1 - gamma lam_b)^(2k) w_b, P(k) = sum_b q_b / 2 + P_inf, at ``steps``."""
    sp = equivalent_spectrum(alpha, beta, int(d), v_ratio, **spectrum_kw)
    gamma = float(lr / sp["gamma_den"])
    k = np.asarray(steps, dtype=float)[:, None]
    return 0.5 * (np.exp(2 * k * np.log1p(-gamma * sp["lam"][None, :])) * sp["w"][None, :]).sum(1) \
        + sp["p_inf"]
