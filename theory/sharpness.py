r"""Sharpness theory: infinite-width ReLU NNGP/NTK, the Hessian-NTK identity, linear-stability thresholds
of GD and SGD, and the width exponents of the abc-parametrisations (standard, NTK, muP).

1. Arc-cosine kernels (Cho & Saul 2009; Jacot et al. 2018; conventions of google/neural-tangents'
   ``Dense(W_std=1, parameterization='ntk')`` + ``Relu``). For f(x) = a.relu(W x/sqrt(d))/sqrt(n) with
   W, a ~ N(0, 1): q = x.x'/d, rho = q/sqrt(q11 q22) = cos(theta) and, derived below from the Gaussian
   integrals in polar coordinates ((u, v) = r (cos phi, cos(phi - theta)), phi in (theta - pi/2, pi/2)),

       kappa1(rho) = E[relu(u) relu(v)] = [sqrt(1 - rho^2) + (pi - arccos rho) rho]/(2 pi),
       kappa0(rho) = E[1(u>0) 1(v>0)]   = (pi - arccos rho)/(2 pi),     dkappa1/drho = kappa0,
       NNGP K = sqrt(q11 q22) kappa1(rho),    NTK Theta = sqrt(q11 q22) kappa1(rho) + q kappa0(rho).

   The empirical NTK Theta_n(x, x') = (1/n) sum_k [relu(z_k) relu(z'_k) + a_k^2 1(z_k>0) 1(z'_k>0) q] is
   an average of n iid terms with that mean, so its error falls like n^(-1/2) (CLT) with the exact
   per-neuron variance from kappa2(rho) = E[relu(u)^2 relu(v)^2] = [3 rho sqrt(1 - rho^2) +
   (pi - arccos rho)(1 + 2 rho^2)]/(2 pi) (:func:`relu_ntk_entry_sd`).
2. Hessian and NTK (e.g. Sagun et al. 2017; Papyan 2019): for L = (1/2N) sum_i (f_i - y_i)^2,
   H = J^T J/N + (1/N) sum_i r_i grad^2 f_i (r = f - y); J^T J/N and the empirical NTK J J^T/N have the
   same nonzero eigenvalues, so at interpolation (r = 0) lambda_max(H) = lambda_max(NTK)/N.
3. Linear stability. GD on a quadratic with curvature lambda: e <- (1 - eta lambda) e, stable iff
   0 < eta lambda < 2 (so GD needs lambda_max(H) <= 2/eta; Cohen et al. 2021's edge of stability).
   Batch-1 SGD on least squares with orthonormal rows x_i (N of them, loss (1/2N)|Xw - y|^2, H = X^T X/N,
   lambda_max = 1/N, tr H = 1): the component of the error along x_j obeys
   E[e_j^2] <- (1 - (2 eta - eta^2)/N) E[e_j^2], stable iff 0 < eta < 2 = 2/tr(H), whereas GD is stable
   up to eta = 2/lambda_max = 2N. One parameter with per-sample curvatures g_i^2: mean-square stability
   E(1 - eta g^2)^2 <= 1 gives eta <= 2 E g^2/E g^4 <= 2/E g^2 = 2/tr H (Cauchy-Schwarz): the special
   cases of Wu & Su (ICML 2023): a minimum linearly stable for SGD has tr(H) <= 2/eta.
4. abc-parametrisations (Yang & Hu 2021, Tensor Programs IV). Effective weights W_l = n^(-a_l) w_l with
   w_l ~ N(0, n^(-2 b_l)) and learning rate eta n^(-c). For a 2-layer net (d fixed) a one-line power
   count gives the width exponents of: the preactivation at init (-(a1 + b1)), the output at init
   (1/2 - a2 - b2), the output change from the readout update (1 - 2 a2 - c), from the hidden update
   (1 - 2(a1 + a2 + b2) - c) and the per-step feature change Delta z (-(c + 2 a1 + a2 + b2)); all are
   invariant under (a, b, c) -> (a + theta, b - theta, c - 2 theta). NTK: Delta z ~ n^(-1/2) (lazy),
   muP: Delta z ~ n^0 (feature learning), standard with c = 0: the output change grows like n (the
   optimal learning rate shifts like 1/n). :data:`ABC` is the one table the simulator uses.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from ._lambdified import lambdified
from .formulas import Formula

# ---- 1. arc-cosine kernels -------------------------------------------------------------------------
rho = sp.Symbol("rho", real=True)
theta, phi, r = sp.symbols("theta phi r", nonnegative=True)


def derive_kappas():
    """(kappa0, kappa1, kappa2) as functions of rho, from the bivariate Gaussian integrals
    E[relu(u)^p relu(v)^p] = (1/2 pi) int_0^inf r^(2p+1) e^(-r^2/2) dr int cos^p(phi) cos^p(phi - theta) dphi."""
    out = []
    for power in (0, 1, 2):
        radial = sp.integrate(r ** (2 * power + 1) * sp.exp(-r**2 / 2), (r, 0, sp.oo))   # 1, 2, 8
        ang = sp.integrate((sp.cos(phi) * sp.cos(phi - theta)) ** power,
                           (phi, theta - sp.pi / 2, sp.pi / 2))
        out.append(sp.simplify((radial * ang / (2 * sp.pi)).subs(theta, sp.acos(rho))))
    return tuple(out)


KAPPA0 = (sp.pi - sp.acos(rho)) / (2 * sp.pi)
KAPPA1 = (sp.sqrt(1 - rho**2) + (sp.pi - sp.acos(rho)) * rho) / (2 * sp.pi)
# E[relu(u)^2 relu(v)^2] (Cho & Saul 2009's J_2/(2 pi)): needed for the CLT s.d. of NTK entries
KAPPA2 = (3 * rho * sp.sqrt(1 - rho**2) + (sp.pi - sp.acos(rho)) * (1 + 2 * rho**2)) / (2 * sp.pi)
kappa0 = lambdified(rho, KAPPA0, "numpy")
kappa1 = lambdified(rho, KAPPA1, "numpy")
kappa2 = lambdified(rho, KAPPA2, "numpy")


def _qrho(X: np.ndarray):
    """q = X^T X/d, sqrt(q11 q22) and rho (clipped to [-1, 1]) for inputs X of shape (d, N)."""
    q = X.T @ X / X.shape[0]
    s = np.sqrt(np.outer(np.diag(q), np.diag(q)))
    return q, s, np.clip(q / s, -1.0, 1.0)


def relu_nngp(X: np.ndarray) -> np.ndarray:
    """Infinite-width NNGP of a.relu(W x/sqrt d)/sqrt n (N x N), inputs X (d, N)."""
    q, s, c = _qrho(X)
    return s * kappa1(c)


def relu_ntk(X: np.ndarray) -> np.ndarray:
    """Infinite-width NTK of a.relu(W x/sqrt d)/sqrt n: sqrt(q11 q22) kappa1 + q kappa0."""
    q, s, c = _qrho(X)
    return s * kappa1(c) + q * kappa0(c)


def relu_ntk_entry_sd(X: np.ndarray) -> np.ndarray:
    """Per-neuron standard deviation of the NTK terms t_k = relu(z_k) relu(z'_k) + a_k^2 1 1 q (N x N):
    Var t = q11 q22 kappa2 + 2 q sqrt(q11 q22) kappa1 + 3 q^2 kappa0 - Theta^2 (E a^2 = 1, E a^4 = 3,
    relu(z) 1(z > 0) = relu(z)); the empirical NTK of width n has entry s.d. relu_ntk_entry_sd/sqrt(n)."""
    q, s, c = _qrho(X)
    second = s**2 * kappa2(c) + 2 * q * s * kappa1(c) + 3 * q**2 * kappa0(c)
    return np.sqrt(np.maximum(second - relu_ntk(X) ** 2, 0.0))


def relu_nngp_ntk_rivals(X: np.ndarray) -> dict[str, np.ndarray]:
    """Kernels an empirical NTK could be mistaken for, by the usual slips: the NNGP alone (the readout
    layer's term; Lee et al. 2018), the hidden layer's term q kappa0 alone, and the He-normalised
    (2x) NTK."""
    q, s, c = _qrho(X)
    return {"NNGP (readout term only)": s * kappa1(c), "hidden-layer term q kappa0 only": q * kappa0(c),
            "He-normalised NTK (2 Theta)": 2 * relu_ntk(X)}


# ---- 3. stability thresholds ------------------------------------------------------------------------
eta_, n_rows_, m2_, m4_ = sp.symbols("eta N m2 m4", positive=True)
SGD_LSTSQ_FACTOR = 1 - (2 * eta_ - eta_**2) / n_rows_   # E e_j^2 factor, batch-1 SGD, orthonormal rows
SGD_SCALAR_THRESHOLD = 2 * m2_ / m4_                    # mean-square stable step, one parameter


def gd_threshold(lam):
    """Largest stable GD step on curvature lam: 2/lam."""
    return 2.0 / np.asarray(lam, float)


def sgd_trace_threshold(trace_h):
    """Wu & Su: a minimum linearly stable for SGD has tr(H) <= 2/eta, i.e. eta <= 2/tr(H)."""
    return 2.0 / np.asarray(trace_h, float)


def sgd_lstsq_factor(eta, n_rows):
    """Per-step factor of E[e_j^2] for batch-1 SGD on orthonormal-row least squares (item 3)."""
    eta = np.asarray(eta, float)
    return 1.0 - (2 * eta - eta**2) / n_rows


# ---- 4. abc-parametrisations --------------------------------------------------------------------------
# The simulator's one table. Each row gives, for the input, hidden and output layer, the exponents of the
# width ratio rho_n = n/n0 ON TOP OF the NTK base net (W_eff = w/sqrt(fan_in), w ~ N(0, 1), lr eta):
#   W_eff_l = rho_n^(-a_l) w_l/sqrt(fan_in_l),  w_l ~ N(0, rho_n^(-2 b_l)),  lr = eta rho_n^(-c).
# "mup" is the gamma-form of Noci et al. / Bordelon & Pehlevan: f = (NTK net)/gamma, gamma = sqrt(n/n0),
# lr proportional to gamma^2; "standard" has W_eff ~ N(0, 1/fan_in) and a width-independent step.
ABC = {
    "ntk": {"a": (0.0, 0.0, 0.0), "b": (0.0, 0.0, 0.0), "c": 0.0},
    "mup": {"a": (0.0, 0.0, 0.5), "b": (0.0, 0.0, 0.0), "c": -1.0},
    "standard": {"a": (0.0, -0.5, -0.5), "b": (0.0, 0.5, 0.5), "c": 0.0},
}
# the NTK base in Yang & Hu's exponents of n (1/sqrt(fan_in) = n^(-1/2) for hidden and output layers)
_NTK_BASE_A = (0.0, 0.5, 0.5)
YANG_HU = {  # Table of Yang & Hu (2021) for SGD: (a_1, a_hidden, a_out), (b_1, b_hidden, b_out), c
    "ntk": ((0, sp.Rational(1, 2), sp.Rational(1, 2)), (0, 0, 0), 0),
    "standard": ((0, 0, 0), (0, sp.Rational(1, 2), sp.Rational(1, 2)), 0),
    "mup": ((-sp.Rational(1, 2), 0, sp.Rational(1, 2)), (sp.Rational(1, 2),) * 3, 0),
}


def yang_hu_exponents(param: str):
    """The row of :data:`ABC` in Yang & Hu's exponents of n: (a, b, c) as sympy Rationals."""
    row = ABC[param]
    a = tuple(sp.nsimplify(x + y) for x, y in zip(row["a"], _NTK_BASE_A))
    return a, tuple(sp.nsimplify(x) for x in row["b"]), sp.nsimplify(row["c"])


def layer_scales(param: str, depth: int, width: int, d: int, base_width: int):
    """(multipliers, init stds, learning-rate factor) of a depth-layer MLP d -> width ... -> 1."""
    row = ABC[param]
    ratio = width / base_width
    fans = [d] + [width] * (depth - 1)
    kinds = [0] + [1] * (depth - 2) + [2]
    mults = np.array([ratio ** (-row["a"][k]) / np.sqrt(f) for k, f in zip(kinds, fans)])
    stds = np.array([ratio ** (-row["b"][k]) for k in kinds])
    return mults, stds, ratio ** (-row["c"])


a1, a2, b1, b2, c, th = sp.symbols("a1 a2 b1 b2 c theta", real=True)
WIDTH_EXPONENTS = {   # 2-layer net: exponent of n of each quantity (power counting, module docstring)
    "preactivation at init": -(a1 + b1),
    "output at init": sp.Rational(1, 2) - a2 - b2,
    "output change from readout update": 1 - 2 * a2 - c,
    "output change from hidden update": 1 - 2 * (a1 + a2 + b2) - c,
    "feature change per step": -(c + 2 * a1 + a2 + b2),
}
feature_exponent = lambdified((a1, a2, b2, c), WIDTH_EXPONENTS["feature change per step"])


def width_exponents(param: str) -> dict[str, float]:
    a, b, cc = yang_hu_exponents(param)
    sub = {a1: a[0], a2: a[2], b1: b[0], b2: b[2], c: cc}
    return {k: float(v.subs(sub)) for k, v in WIDTH_EXPONENTS.items()}


def sharpness_change_exponent(param: str) -> float:
    """Width exponent of the sharpness change eta (lambda_T - lambda_0) over a training run (our
    derivation). With feature learning (feature change exponent 0, muP) the NTK, hence the sharpness,
    moves by O(1): exponent 0 (Noci et al. 2024's super consistency). In the kernel regime (feature
    exponent e < 0, NTK) the O(n^e) first-order change of each neuron's kernel term is odd in its
    readout weight a_k (verify: "first-order kernel change odd in a"), so the sum over neurons cancels
    to the second order: exponent 2 e (= -1 for NTK; Dyer & Gur-Ari 2020 also find O(1/n))."""
    e = width_exponents(param)["feature change per step"]
    return 0.0 if e == 0 else 2 * e


def optimal_lr_exponent(param: str) -> float:
    """Width exponent of the optimal *base* learning rate (on top of the table's lr factor): the
    output change per step grows like n^k, k = max of the readout and hidden output-change
    exponents, so the largest stable (and, here, best) base lr falls like n^(-k): standard -1, muP
    and NTK 0 (Yang & Hu 2021; Noci et al. 2024's transfer)."""
    e = width_exponents(param)
    return 0.0 - max(e["output change from readout update"], e["output change from hidden update"],
                     0.0)


def coord_check_exponents(param: str) -> dict[str, float]:
    """Width exponents of microsoft/mup's coord-check statistics l1 = mean |x| of a 2-layer net, from
    the power counts: at init (t = 1) z, h = phi(z) ~ preactivation, f ~ output at init; after GD
    steps (t >= 2) the changes dz, dh ~ feature change per step, df ~ the larger output change, and
    z, h, f the larger of their init and change exponents. muP: every one 0 but f at init (-1/2:
    mup's README, "the output can shrink to 0 at initialization at a 1/sqrt(width) rate"); NTK:
    dz, dh -1/2; standard: df +1 after one step (the count is for one step: later steps compound)."""
    e = width_exponents(param)
    feat = e["feature change per step"]
    out = max(e["output change from readout update"], e["output change from hidden update"])
    pre, f0 = e["preactivation at init"], e["output at init"]
    return {"z@init": pre, "h@init": pre, "f@init": f0, "z": max(pre, feat), "h": max(pre, feat),
            "f": max(f0, out), "dz": feat, "dh": feat, "df": out}


def mup_unit_multiplier_table():
    """muP with all multipliers 1 (a = 0) via the symmetry theta_l = -a_l: per-layer init-variance and
    learning-rate exponents of n: input (0, -1), hidden (1, 0), output (2, 1) (var ~ n^-2b, lr ~ n^-c_l)."""
    a, b, cc = YANG_HU["mup"]
    return {name: (2 * (bl + al), cc + 2 * al) for name, al, bl in zip(("input", "hidden", "output"),
                                                                        a, b)}


# ---- verify: small named checks, each a dict of named identities --------------------------------
def check_arccos_kernels() -> dict[str, bool]:
    """kappa0, kappa1, kappa2 from the Gaussian integrals; derivative and boundary values."""
    k0, k1, k2 = derive_kappas()
    return {
        "kappa1 from the Gaussian integral = Cho & Saul's J_1/(2 pi)": sp.simplify(k1 - KAPPA1) == 0,
        "kappa0 from the Gaussian integral = (pi - arccos rho)/(2 pi)": sp.simplify(k0 - KAPPA0) == 0,
        "kappa2 from the Gaussian integral = Cho & Saul's J_2/(2 pi)":
            sp.simplify(sp.expand_trig(k2 - KAPPA2)) == 0,
        "dkappa1/drho = kappa0": sp.simplify(sp.diff(KAPPA1, rho) - KAPPA0) == 0,
        "kappa1(1) = 1/2 (E relu(u)^2 = q/2), kappa2(1) = 3/2 (E relu(u)^4 = 3 q^2/2)":
            sp.simplify(KAPPA1.subs(rho, 1)) == sp.Rational(1, 2)
            and sp.simplify(KAPPA2.subs(rho, 1)) == sp.Rational(3, 2),
        "kappa0(1) = 1/2, kappa0(-1) = kappa1(-1) = 0": (
            sp.simplify(KAPPA0.subs(rho, 1)) == sp.Rational(1, 2)
            and sp.simplify(KAPPA0.subs(rho, -1)) == 0 and sp.simplify(KAPPA1.subs(rho, -1)) == 0),
    }


def _neuron():
    """One neuron f = a phi(w.x/sqrt 2) on inputs x, x' in R^2: (a, w, x, x', f, q)."""
    a, *w = sp.symbols("a w0 w1", real=True)
    x, xp = sp.symbols("x0 x1", real=True), sp.symbols("y0 y1", real=True)
    fphi = sp.Function("phi")
    z = lambda v: sum(wi * vi for wi, vi in zip(w, v)) / sp.sqrt(2)   # noqa: E731
    return a, w, x, xp, (lambda v: a * fphi(z(v))), sum(xi * yi for xi, yi in zip(x, xp)) / 2


def check_one_neuron_ntk() -> dict[str, bool]:
    """The gradient inner product of one neuron is phi phi' + a^2 phi' phi' q (NTK's two terms)."""
    a, w, x, xp, f, q = _neuron()
    params = [a, *w]
    ntk = sum(sp.diff(f(x), p) * sp.diff(f(xp), p) for p in params)
    claimed = (f(x) / a) * (f(xp) / a) + sp.diff(f(x), w[0]) * sp.diff(f(xp), w[0]) / (
        x[0] * xp[0] / 2) * q
    return {"empirical NTK = phi phi' + a^2 phi' phi' q (one neuron)": sp.simplify(ntk - claimed) == 0}


def check_kernel_change_parity() -> dict[str, bool]:
    """The first-order change of one neuron's kernel term under a GD step (residual r fixed) is odd in
    its readout weight a: summed over n neurons with iid symmetric a_k it cancels at first order,
    which is why the NTK sharpness change goes like the square of the feature change."""
    a, w, x, xp, f, _ = _neuron()
    eta, res = sp.symbols("eta r", real=True)
    x0 = sp.symbols("u0 u1", real=True)
    params = [a, *w]
    t = sum(sp.diff(f(x), p) * sp.diff(f(xp), p) for p in params)
    step = {p: -eta * res * sp.diff(f(x0), p) for p in params}          # Delta p of the loss r f
    dt = sum(sp.diff(t, p) * step[p] for p in params)
    return {"first-order kernel change odd in a (NTK sharpness change ~ (feature change)^2)":
            sp.simplify(dt.subs(a, -a) + dt) == 0}


def check_hessian_and_ntk() -> dict[str, bool]:
    """H = J^T J/N + residual term (N = 2, f = a tanh(w x)); J^T J and J J^T share eigenvalues."""
    aa, ww = sp.symbols("a w", real=True)
    xs, ys = sp.symbols("x1 x2", real=True), sp.symbols("y1 y2", real=True)
    fs = [aa * sp.tanh(ww * xi) for xi in xs]
    L = sum((fi - yi) ** 2 for fi, yi in zip(fs, ys)) / 4
    J = sp.Matrix([[sp.diff(fi, p) for p in (aa, ww)] for fi in fs])
    res = sum(((fi - yi) * sp.hessian(fi, (aa, ww)) for fi, yi in zip(fs, ys)), sp.zeros(2, 2)) / 2
    Js = sp.Matrix(2, 3, sp.symbols("j0:6", real=True))
    lam = sp.Symbol("lambda")
    return {
        "H = J^T J/N + (1/N) sum r_i grad^2 f_i":
            sp.simplify(sp.hessian(L, (aa, ww)) - J.T * J / 2 - res) == sp.zeros(2, 2),
        "charpoly(J^T J) = lambda * charpoly(J J^T) (same nonzero eigenvalues)": sp.expand(
            (Js.T * Js).charpoly(lam).as_expr() - lam * (Js * Js.T).charpoly(lam).as_expr()) == 0,
    }


def check_stability() -> dict[str, bool]:
    """GD on a quadratic; batch-1 SGD on orthonormal-row least squares; scalar SGD (Wu & Su).
    (The local eta, N, m2, m4 are the module's eta_, n_rows_, m2_, m4_: same names, same flags.)"""
    eta = sp.Symbol("eta", positive=True)
    Nr, e2 = sp.Symbol("N", positive=True), sp.Symbol("E", positive=True)
    # with prob 1/N the sampled row is x_j (error component multiplied by 1 - eta), else unchanged
    step = (1 - 1 / Nr) * e2 + (1 / Nr) * (1 - eta) ** 2 * e2
    m2, m4 = sp.symbols("m2 m4", positive=True)
    ms = sp.expand(1 - 2 * eta * m2 + eta**2 * m4)     # E(1 - eta g^2)^2
    return {
        "GD on a quadratic: |1 - eta lambda| < 1 iff 0 < eta lambda < 2":
            sp.solve_univariate_inequality(sp.Abs(1 - eta) < 1, eta, relational=False)
            == sp.Interval.open(0, 2),
        "SGD (batch 1, orthonormal rows): E e_j^2 factor = 1 - (2 eta - eta^2)/N":
            sp.simplify(step / e2 - SGD_LSTSQ_FACTOR) == 0,
        "... stable iff 0 < eta < 2 = 2/tr(H) (tr H = N * 1/N = 1)":
            sp.solve_univariate_inequality(2 * eta - eta**2 > 0, eta, relational=False)
            == sp.Interval.open(0, 2),
        "scalar SGD: E(1 - eta g^2)^2 <= 1 iff eta <= 2 m2/m4":
            SGD_SCALAR_THRESHOLD in sp.solve(sp.Eq(ms, 1), eta),
        "... and m4 >= m2^2 gives 2 m2/m4 <= 2/m2 (tr H <= 2/eta)": sp.simplify(
            (2 / m2 - SGD_SCALAR_THRESHOLD).subs(m4, m2**2 + sp.Symbol("v", nonnegative=True))
        ).is_nonnegative,
    }


def check_abc_table() -> dict[str, bool]:
    """The table's rows are Yang & Hu's (muP up to the theta = 1/2 symmetry), and the power counts are
    invariant under (a, b, c) -> (a + theta, b - theta, c - 2 theta)."""
    out = {"width exponents invariant under (a, b, c) -> (a + th, b - th, c - 2 th)": all(
        sp.simplify(e.subs({a1: a1 + th, a2: a2 + th, b1: b1 - th, b2: b2 - th, c: c - 2 * th},
                           simultaneous=True) - e) == 0 for e in WIDTH_EXPONENTS.values())}
    for p in ("ntk", "standard"):
        out[f"table row {p} = Yang & Hu's {p} row"] = yang_hu_exponents(p) == tuple(
            (tuple(sp.nsimplify(v) for v in t) if isinstance(t, tuple) else sp.nsimplify(t))
            for t in YANG_HU[p])
    a_m, b_m, c_m = yang_hu_exponents("mup")
    a_y, b_y, c_y = YANG_HU["mup"]
    thetas = [am - ay for am, ay in zip(a_m, a_y)]
    out["table row mup = Yang & Hu's muP shifted by theta = 1/2 on every layer"] = (
        all(t == sp.Rational(1, 2) for t in thetas)
        and all(bm == by - t for bm, by, t in zip(b_m, b_y, thetas)) and c_m == c_y - 2 * thetas[0])
    out["muP with unit multipliers: init var exps (0, 1, 2), lr exps (-1, 0, 1)"] = (
        mup_unit_multiplier_table() == {"input": (0, -1), "hidden": (1, 0), "output": (2, 1)})
    return out


def check_width_exponents() -> dict[str, bool]:
    """The exponents the width claims test, from the power counts."""
    ex = {p: width_exponents(p) for p in ABC}
    return {
        "all rows: preactivations O(1) at init": all(e["preactivation at init"] == 0 for e in ex.values()),
        "NTK: output O(1), output change O(1), features move like n^-1/2": ex["ntk"] == {
            "preactivation at init": 0, "output at init": 0, "output change from readout update": 0,
            "output change from hidden update": 0, "feature change per step": -0.5},
        "muP: output -> 0 at init, output change O(1), features move O(1)": (
            ex["mup"]["output at init"] == -0.5 and ex["mup"]["output change from readout update"] == 0
            and ex["mup"]["output change from hidden update"] == 0
            and ex["mup"]["feature change per step"] == 0),
        "standard, width-independent lr: output change grows like n (lr must fall like 1/n)": (
            ex["standard"]["output change from readout update"] == 1.0),
        "optimal base lr exponents: standard -1, muP 0, NTK 0": (
            optimal_lr_exponent("standard"), optimal_lr_exponent("mup"),
            optimal_lr_exponent("ntk")) == (-1.0, 0.0, 0.0),
        "sharpness-change exponents: NTK -1 (twice the feature exponent), muP 0": (
            sharpness_change_exponent("ntk"), sharpness_change_exponent("mup")) == (-1.0, 0.0),
        "coord check: muP every l1 flat but f at init (-1/2); NTK dz -1/2; standard df +1": (
            {k: v for k, v in coord_check_exponents("mup").items() if v} == {"f@init": -0.5}
            and coord_check_exponents("ntk")["dz"] == -0.5
            and coord_check_exponents("standard")["df"] == 1.0),
    }


CHECKS = (check_arccos_kernels, check_one_neuron_ntk, check_kernel_change_parity,
          check_hessian_and_ntk, check_stability, check_abc_table, check_width_exponents)


def verify() -> dict[str, bool]:
    """Every named identity of :data:`CHECKS`."""
    out: dict[str, bool] = {}
    for check in CHECKS:
        out.update(check())
    return {k: bool(v) for k, v in out.items()}


# ---- the verified formulas, by name (theory.formulas(), python -m theory list) ---------------------
CHO_SAUL = "Cho & Saul 2009 (arc-cosine kernels); Jacot et al. 2018 (NTK)"
YANG_HU_REF = "Yang & Hu 2021 (Tensor Programs IV), abc-parametrisation; power count of item 4"
_ABC_DOMAIN = {"a1": (-2, 2), "a2": (-2, 2), "b1": (-2, 2), "b2": (-2, 2), "c": (-2, 2)}
FORMULAS = (
    Formula("kappa0", KAPPA0, "E[1(u>0) 1(v>0)] for unit Gaussians of correlation rho: the ReLU "
            "derivative kernel (pi - arccos rho)/(2 pi), = dkappa1/drho",
            CHO_SAUL + ": J_0/(2 pi)", {"rho": (-1, 1)}),
    Formula("kappa1", KAPPA1, "E[relu(u) relu(v)]: the ReLU NNGP kernel at unit variances",
            CHO_SAUL + ": J_1/(2 pi)", {"rho": (-1, 1)}),
    Formula("kappa2", KAPPA2, "E[relu(u)^2 relu(v)^2]: gives the CLT s.d. of empirical NTK entries",
            "Cho & Saul 2009: J_2/(2 pi)", {"rho": (-1, 1)}),
    Formula("sgd_lstsq_factor", SGD_LSTSQ_FACTOR, "per-step factor of E[e_j^2] for batch-1 SGD on "
            "least squares with N orthonormal rows (tr H = 1): stable iff 0 < eta < 2 = 2/tr(H)",
            "Wu & Su, ICML 2023 (special case: batch-1 SGD, orthonormal rows; module item 3)",
            {"eta": (0, 2), "N": (1, 1000)}),
    Formula("sgd_scalar_threshold", SGD_SCALAR_THRESHOLD, "largest mean-square stable SGD step for "
            "one parameter with per-sample curvatures g^2 (m2 = E g^2, m4 = E g^4): 2 m2/m4 <= 2/tr H",
            "Wu & Su, ICML 2023 (special case: one parameter; module item 3)",
            {"m2": (0, 1), "m4": (1, 10)}),
    Formula("feature_change_exponent", WIDTH_EXPONENTS["feature change per step"], "width exponent "
            "of the per-step feature change Delta z of a 2-layer abc-net (NTK -1/2, muP 0)",
            YANG_HU_REF, {k: _ABC_DOMAIN[k] for k in ("a1", "a2", "b2", "c")}),
    Formula("output_change_readout_exponent", WIDTH_EXPONENTS["output change from readout update"],
            "width exponent of the output change from the readout update (standard, c = 0: 1)",
            YANG_HU_REF, {k: _ABC_DOMAIN[k] for k in ("a2", "c")}),
    Formula("output_change_hidden_exponent", WIDTH_EXPONENTS["output change from hidden update"],
            "width exponent of the output change from the hidden-layer update",
            YANG_HU_REF, {k: _ABC_DOMAIN[k] for k in ("a1", "a2", "b2", "c")}),
)
