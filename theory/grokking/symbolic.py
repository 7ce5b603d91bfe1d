"""The symbolic checks of :mod:`theory.grokking` (``verify()``), each a small named function."""
from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from .core import (CRITICAL_FRACTION, ENERGY_MAX, LOCAL_EXPONENT, C_CRIT, PREDICTED_LAW,
               THRESHOLD_LAWS, _M, _verify_dihedral, dataset, energy, energy_grad, energy_hessian,
               fourier_feature)


def _sym_energy(M: int):
    u = sp.symbols(f"u0:{M}", real=True)
    v = sp.symbols(f"v0:{M}", real=True)
    out = []
    for c in range(M):
        s = sum((u[a] + v[(c - a) % M]) ** 2 for a in range(M))
        out.append(s)
    mean = sum(out) / M
    E = sp.Rational(1, 2) * sum((s - mean) ** 2 for s in out)   # rows e_y - 1/M, all M^2 pairs
    return E, list(u) + list(v)


def _sym_fourier(M: int, w):
    """(2/M) sum_{k != 0} |u_k|^2 |v_k|^2 with exact roots of unity."""
    z = sp.exp(-2 * sp.pi * sp.I / M)
    tot = 0
    for k in range(1, M):
        uk = sum(w[a] * z ** (k * a) for a in range(M))
        vk = sum(w[M + b] * z ** (k * b) for b in range(M))
        tot += sp.expand(uk * sp.conjugate(uk)) * sp.expand(vk * sp.conjugate(vk))
    return sp.Rational(2, M) * tot


def _sym_feature(M: int, k: int, phi, psi):
    return [sp.cos(2 * sp.pi * k * a / M + phi) / sp.sqrt(M) for a in range(M)] + \
           [sp.cos(2 * sp.pi * k * b / M + psi) / sp.sqrt(M) for b in range(M)]


def _phase_dirs(M: int, k: int, phi: float, psi: float) -> np.ndarray:
    t = 2 * np.pi * k * np.arange(M) / M
    z = np.zeros(M)
    return np.stack([np.concatenate([-np.sin(t + phi), z]),
                     np.concatenate([z, -np.sin(t + psi)])], axis=1) / np.sqrt(M)


def _second_order(w, g, H, M, k, phi, psi) -> bool:
    """Riemannian Hessian P (H - (w.g) I) P: zero on the 2 phase directions, < 0 on the other
    2M - 3 tangent directions."""
    n = len(w)
    P = np.eye(n) - np.outer(w, w)
    R = P @ (H - float(w @ g) * np.eye(n)) @ P
    ph = _phase_dirs(M, k, phi, psi)
    q, _ = np.linalg.qr(np.column_stack([w, ph, np.eye(n)]))
    comp = q[:, 3:n]
    ev = np.linalg.eigvalsh(comp.T @ R @ comp)
    return bool(ev.max() < -1e-6 and np.abs(R @ ph).max() < 1e-9 * max(1.0, np.abs(R).max()))


def _check_exact(M: int, k: int, phi=0, psi=0) -> tuple[bool, bool, bool]:
    """(stationary on the sphere, E = M/4, second order) at a Fourier feature: the gradient and E
    are simplified exactly; the Hessian is evaluated to 30 digits before its eigenvalues are taken."""
    E, w = _sym_energy(M)
    pt = [sp.nsimplify(x) for x in _sym_feature(M, k, phi, psi)]
    sub = dict(zip(w, pt))
    g = sp.Matrix([sp.diff(E, x) for x in w]).subs(sub)
    wv = sp.Matrix(pt)
    lam = (wv.T * g)[0]
    stat = all(sp.simplify(sp.expand(x)) == 0 for x in (g - lam * wv))
    val = sp.simplify(sp.expand(E.subs(sub)) - sp.Rational(M, 4)) == 0
    H = np.array(sp.hessian(E, w).subs(sub).evalf(30), dtype=float)
    wn = np.array(wv.evalf(30), dtype=float).ravel()
    gn = np.array(g.evalf(30), dtype=float).ravel()
    return bool(stat), bool(val), _second_order(wn, gn, H, M, k, float(phi), float(psi))


def _check_float(M: int, k: int, phi: float, psi: float) -> bool:
    X, _, Yt = dataset(M)
    w = fourier_feature(M, k, phi, psi)
    g = energy_grad(w[None, :], X, Yt)[0]
    stat = np.abs(g - (w @ g) * w).max() < 1e-10 * np.abs(g).max()
    val = abs(energy(w[None, :], X, Yt)[0] - M / 4) < 1e-10 * M
    return bool(stat and val and _second_order(w, g, energy_hessian(w, X, Yt), M, k, phi, psi))


def _check_ridge() -> dict[str, bool]:
    """The ridge (push-through) identity for generic 2 x 3 and 3 x 2 matrices (each entry of the
    difference brought to one fraction, numerator and denominator cancelled: the canonical form of
    a rational function, zero iff the identity holds), and eta G_F ->
    Ytil Ytil^T F as eta -> inf (eta = 1/s is rational in s; its value at s = 0 is the limit)."""
    checks = {}
    eta = sp.Symbol("eta", positive=True)
    for n, K in ((2, 3), (3, 2)):
        F = sp.Matrix(n, K, lambda i, j: sp.Symbol(f"f{i}{j}", real=True))
        Y = sp.Matrix(n, 2, lambda i, j: sp.Symbol(f"y{i}{j}", real=True))
        lhs = Y - F * (F.T * F + eta * sp.eye(K)).inv() * F.T * Y
        rhs = eta * (F * F.T + eta * sp.eye(n)).inv() * Y
        checks[f"ridge identity Y - F(F'F+eta)^-1 F'Y = eta(FF'+eta)^-1 Y (n={n}, K={K})"] = \
            (lhs - rhs).applyfunc(lambda e: sp.cancel(sp.together(e))) == sp.zeros(n, 2)
    s = sp.Symbol("s", positive=True)
    F = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"f{i}{j}", real=True))
    Y = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"y{i}{j}", real=True))
    Vt = (F.T * F + sp.eye(2) / s).inv() * F.T * Y                    # ridge top layer V^T
    GF = ((Y - F * Vt) * Vt.T / s).applyfunc(lambda e: sp.cancel(sp.together(e)))
    finite = all(sp.denom(e).subs(s, 0) != 0 for e in GF)
    checks["eta G_F -> Ytil Ytil^T F as eta -> inf (nodes decouple)"] = finite and (
        GF.subs(s, 0) - Y * Y.T * F).applyfunc(sp.expand) == sp.zeros(2, 2)
    return checks


def _exact_targets(M: int):
    Xs, _, Yt = dataset(M)
    X = sp.Matrix(Xs.astype(int))
    Ytil = sp.Matrix(M * M, M, lambda i, j: sp.Rational(int(round(Yt[i, j] * M)), M))
    return X, Ytil


def _check_energy_forms() -> dict[str, bool]:
    """For sigma = x^2 on Z_M (M = 3, 5): the gradient formula and the Fourier form of E."""
    checks = {}
    for M in (3, 5):
        E, w = _sym_energy(M)
        X, Ytil = _exact_targets(M)
        h = X * sp.Matrix(w)
        f = h.applyfunc(lambda e: e**2)
        formula = X.T * (h.applyfunc(lambda e: 2 * e).multiply_elementwise(Ytil * Ytil.T * f))
        grad = sp.Matrix([sp.diff(E, x) for x in w])
        checks[f"M={M}: dE/dw = X^T[sigma'(Xw) * Ytil Ytil^T sigma(Xw)]"] = \
            sp.expand(grad - formula) == sp.zeros(2 * M, 1)
        checks[f"M={M}: E = (2/M) sum_(k!=0) |u_k|^2 |v_k|^2"] = \
            sp.expand(sp.expand_complex(E - _sym_fourier(M, w))) == 0
    return checks


def _check_maxima() -> dict[str, bool]:
    """Fourier features are maxima of E on the sphere with E = M/4: exactly for M = 3, 5 (k = 1)
    and other phases at M = 3; in float64 for every k at M = 5, 7, 11."""
    checks = {}
    for M, k in ((3, 1), (5, 1)):
        st, val, neg = _check_exact(M, k)
        checks[f"M={M}, k={k}: Fourier feature is stationary on the sphere (exact)"] = st
        checks[f"M={M}, k={k}: E = M/4 there (exact)"] = val
        checks[f"M={M}, k={k}: Riemannian Hessian < 0 off the 2 phase directions"] = neg
    checks["M=3: other phases (pi/5, pi/3) give the same maximum"] = all(
        _check_exact(3, 1, sp.pi / 5, sp.pi / 3))
    for M in (5, 7, 11):
        checks[f"M={M}: every frequency k is a maximum with E = M/4 (float64)"] = all(
            _check_float(M, k, 0.3, -1.0) for k in range(1, (M - 1) // 2 + 1))
    return checks


def _check_bound() -> dict[str, bool]:
    """E <= M/4: |v_k|^2 <= M|v|^2/2 for k != 0, so the sum is <= (M|v|^2/2) M|u|^2 <= M^2/8."""
    a, b = sp.symbols("a b", nonnegative=True)
    return {"max of (2/M)(M b/2)(M a) on a + b = 1 is M/4": sp.simplify(
        sp.maximum((2 / _M) * (_M * b / 2) * (_M * (1 - b)), b, sp.Interval(0, 1)) - ENERGY_MAX) == 0}


def _check_paper_normalisation() -> dict[str, bool]:
    """Where the paper's E* = M/16 comes from (M = 3, 5 exactly): the energy of the bare cross term
    u_a v_b is E/4, hence M/16 at a Fourier feature; E is homogeneous of degree 4 in w."""
    checks = {}
    t = sp.Symbol("t", positive=True)
    for M in (3, 5):
        E, w = _sym_energy(M)
        u, v = w[:M], w[M:]
        cross = [sum(u[a] * v[(c - a) % M] for a in range(M)) for c in range(M)]
        mean = sum(cross) / M
        E_cross = sp.Rational(1, 2) * sum((x - mean) ** 2 for x in cross)
        checks[f"M={M}: the bare cross term's energy 1/2|Ytil^T(u_a v_b)|^2 is E/4 (exact)"] = \
            sp.expand(E - 4 * E_cross) == 0
        pt = dict(zip(w, [sp.nsimplify(x) for x in _sym_feature(M, 1, 0, 0)]))
        checks[f"M={M}: ... so it is M/16 at a unit Fourier feature (the paper's E*)"] = \
            sp.simplify(sp.expand(E_cross.subs(pt)) - sp.Rational(M, 16)) == 0
        checks[f"M={M}: E(t w) = t^4 E(w) (M/16 would need |w|^2 = 1/2)"] = \
            sp.expand(E.subs({x: t * x for x in w}, simultaneous=True) - t**4 * E) == 0
    return checks


def _check_scaling() -> dict[str, bool]:
    """n* = c M ln M samples <=> fraction p* = c ln M / M, and the local exponent of ln M / M."""
    return {
        "p*(M) M^2 = c M ln M": sp.simplify(
            CRITICAL_FRACTION * _M**2 - C_CRIT * _M * sp.log(_M)) == 0,
        "d ln(ln M / M) / d ln M = -1 + 1/ln M": sp.simplify(
            _M * sp.diff(sp.log(THRESHOLD_LAWS[PREDICTED_LAW]), _M) - LOCAL_EXPONENT) == 0,
    }


@functools.cache
def verify() -> dict[str, bool]:
    """Every symbolic statement of the module docstring; returns {check: passed}."""
    checks: dict[str, bool] = {}
    for n in (3, 5):                   # the non-abelian task: D_3, D_5 exactly
        checks.update(_verify_dihedral(n))
    for part in (_check_ridge, _check_energy_forms, _check_maxima, _check_bound,
                 _check_paper_normalisation, _check_scaling):
        checks.update(part())
    return {k: bool(v) for k, v in checks.items()}
