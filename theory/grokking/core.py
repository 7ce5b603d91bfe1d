"""The numeric functions and formulas of :mod:`theory.grokking` (see its docstring for the
mathematics): the task, the energy and its Fourier form, the spectra, the scaling laws."""
from __future__ import annotations

import numpy as np
import sympy as sp

from .._lambdified import lambdified
from ..formulas import Formula

C_CRIT = 2.7482          # the author's code (cogo/config/dyn_madd.yaml), not the paper
REF = "Tian 2025 (arXiv:2509.21519)"

_M = sp.Symbol("M", positive=True)
CRITICAL_FRACTION = C_CRIT * sp.log(_M) / _M      # p*(M)
ENERGY_MAX = _M / 4                               # max of E on |w| = 1
SCALING_VARIABLE = sp.log(_M) / _M                # ln M / M
LOCAL_EXPONENT = -1 + 1 / sp.log(_M)              # d ln(ln M / M) / d ln M
critical_fraction = lambdified(_M, CRITICAL_FRACTION, "numpy")
energy_max = lambdified(_M, ENERGY_MAX, "numpy")
scaling_variable = lambdified(_M, SCALING_VARIABLE, "numpy")

# the threshold law of Theorem 4 and the rivals a measured threshold must be told apart from
THRESHOLD_LAWS = {"ln M / M": sp.log(_M) / _M, "1/M": 1 / _M, "M^-1/2": _M**sp.Rational(-1, 2),
                  "ln^2 M / M": sp.log(_M) ** 2 / _M, "M^-3/4": _M**sp.Rational(-3, 4)}
PREDICTED_LAW = "ln M / M"


def law(name: str):
    """The threshold law ``name`` of :data:`THRESHOLD_LAWS` as a numpy function of M."""
    return sp.lambdify(_M, THRESHOLD_LAWS[name], "numpy")


def law_exponent(name: str, Ms) -> float:
    """The effective exponent of a law on a grid: the least-squares slope of ln law(M) on ln M
    (for ln M / M, -1 + 1/ln M locally: -0.58 at M = 11, -0.70 at 29, -0.75 at e^4 = 55)."""
    x = np.log(np.asarray(Ms, float))
    y = np.log(law(name)(np.asarray(Ms, float)))
    return float(np.polyfit(x, y, 1)[0])


# ---- data of the group task -------------------------------------------------------------------------
GROUPS = ("cyclic", "dihedral")


def group_table(M: int, group: str = "cyclic") -> np.ndarray:
    """The product table T[a, b] = a b of a group of order M on elements 0..M-1: Z_M (a + b mod M),
    or the dihedral group D_n of order M = 2n with element e n + j = r^j s^e, where
    (r^j s^e)(r^k s^f) = r^(j + (-1)^e k) s^(e + f)."""
    a, b = np.divmod(np.arange(M * M), M)
    if group == "cyclic":
        return ((a + b) % M).reshape(M, M)
    n = M // 2
    (ea, ja), (eb, jb) = np.divmod(a, n), np.divmod(b, n)
    return (((ea + eb) % 2) * n + (ja + np.where(ea == 1, -jb, jb)) % n).reshape(M, M)


def dataset(M: int, group: str = "cyclic") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All M^2 pairs: one-hot inputs X (M^2 x 2M), labels y = a b (group_table), centred targets."""
    a, b = np.divmod(np.arange(M * M), M)
    X = np.zeros((M * M, 2 * M))
    X[np.arange(M * M), a] = 1.0
    X[np.arange(M * M), M + b] = 1.0
    y = group_table(M, group).ravel()
    return X, y, np.eye(M)[y] - 1.0 / M


def _dihedral_characters(n: int, cos=np.cos, pi=np.pi):
    """Real characters of D_n, n odd, as functions of (e, j) for r^j s^e: trivial, sign, and the
    (n - 1)/2 two-dimensional chi_k(r^j) = 2 cos(2 pi k j / n), chi_k(r^j s) = 0; with dimensions."""
    chars = [(1, lambda e, j: 1), (1, lambda e, j: 1 - 2 * e)]
    chars += [(2, lambda e, j, k=k: (1 - e) * 2 * cos(2 * pi * k * j / n)) for k in range(1, (n + 1) // 2)]
    return chars


def irrep_projectors(M: int, group: str = "cyclic") -> np.ndarray:
    """(classes, M, M): the isotypic projectors of R^G, P_rho[g, h] = (d_rho/|G|) chi_rho(g h^-1),
    trivial class first. For Z_M these are the frequency classes {0}, {+-1}, ...; for D_n (n odd)
    trivial, sign and the (n - 1)/2 two-dimensional irreps. A node's a-part u has power
    |P_rho u|^2 in irrep rho; single-irrep nodes are the non-abelian analogue of Fourier features."""
    T = group_table(M, group)
    inv = np.argmax(T == 0, axis=1)                   # h^-1 (element 0 is the identity)
    q = T[:, inv]                                     # q[g, h] = g h^-1
    if group == "cyclic":
        ks = range(M // 2 + 1)
        return np.stack([(1 if k == 0 or 2 * k == M else 2) * np.cos(2 * np.pi * k * q / M) / M
                         for k in ks])
    n = M // 2
    e, j = np.divmod(q, n)
    return np.stack([d * np.asarray(chi(e, j), float) * np.ones_like(q) / M
                     for d, chi in _dihedral_characters(n)])


def irrep_spectrum(W: np.ndarray, M: int, group: str = "cyclic"):
    """Power of the a-part and b-part of each row of W in every irrep class (trivial first)."""
    P = irrep_projectors(M, group)
    return tuple(np.einsum("rgh,nh,ng->nr", P, part, part) * M for part in (W[:, :M], W[:, M:]))


def _verify_dihedral(n: int) -> dict[str, bool]:
    """Exactly (sympy): the D_n projectors are symmetric, idempotent, mutually orthogonal, sum to
    the identity and commute with left and right translations (so each is an isotypic component)."""
    M = 2 * n
    T = group_table(M, "dihedral")
    inv = [int(np.argmax(T[g] == 0)) for g in range(M)]
    chars = _dihedral_characters(n, cos=sp.cos, pi=sp.pi)
    Ps = [sp.Matrix(M, M, lambda g, h: sp.Rational(d, M) * chi(*divmod(int(T[g, inv[h]]), n)))
          for d, chi in chars]
    zero = sp.zeros(M, M)
    left = [sp.Matrix(M, M, lambda g, h: 1 if T[x, h] == g else 0) for x in range(M)]
    right = [sp.Matrix(M, M, lambda g, h: 1 if T[h, x] == g else 0) for x in range(M)]
    simp = lambda A: sp.simplify(A) == zero   # noqa: E731
    return {
        f"D_{n}: group axioms of the table (identity, inverses, associativity)": bool(
            np.all(T[0] == np.arange(M)) and np.all(T[:, 0] == np.arange(M))
            and np.all(T[np.arange(M), inv] == 0)
            and np.all(T[T[:, :, None], np.arange(M)[None, None, :]]
                       == T[np.arange(M)[:, None, None], T[None, :, :]])),
        f"D_{n}: the table is non-abelian": bool(np.any(T != T.T)),
        f"D_{n}: isotypic projectors are symmetric idempotents (exact)": all(
            P == P.T and simp(P * P - P) for P in Ps),
        f"D_{n}: projectors are mutually orthogonal and sum to I (exact)": all(
            simp(Ps[a] * Ps[b]) for a in range(len(Ps)) for b in range(a)) and simp(
            sum(Ps, zero) - sp.eye(M)),
        f"D_{n}: projectors commute with left and right translations (exact)": all(
            simp(P * L - L * P) and simp(P * R - R * P) for P in Ps for L, R in zip(left, right)),
    }


def energy(W: np.ndarray, X: np.ndarray, Yt: np.ndarray, act: str = "sqr") -> np.ndarray:
    """E(w_j) = 1/2 |Ytil^T sigma(X w_j)|^2 of every row w_j of W (the sympy expression, vectorised)."""
    H = X @ W.T
    F = H * H if act == "sqr" else np.maximum(H, 0.0)
    return 0.5 * np.sum((Yt.T @ F) ** 2, axis=0)


def energy_grad(W: np.ndarray, X: np.ndarray, Yt: np.ndarray, act: str = "sqr") -> np.ndarray:
    """Rows dE/dw_j = X^T [sigma'(X w_j) * Ytil Ytil^T sigma(X w_j)] (derived in sympy below)."""
    H = X @ W.T
    G = Yt @ (Yt.T @ (H * H if act == "sqr" else np.maximum(H, 0.0)))
    # G * sigma'(H) in place, two [pair, node] arrays alive at a time (fresh ones cost page
    # faults: 3.5x the time of a 300-step ascent at K = 512); for sqr (G H) 2 = G (2 H) exactly
    if act == "sqr":
        G *= H
        G *= 2.0
    else:
        G *= H > 0
    return G.T @ X


def fourier_energy(W: np.ndarray, M: int) -> np.ndarray:
    """(2/M) sum_{k != 0} |u_k|^2 |v_k|^2 per row: E for sigma = x^2 on the full data set."""
    return power_energy(*power_spectra(W, M), M)


def power_spectra(W: np.ndarray, M: int) -> tuple[np.ndarray, np.ndarray]:
    """|u_k|^2 and |v_k|^2 (rows x M, k = 0..M-1): the DFT power of the a-part u = w[:M] and the
    b-part v = w[M:2M] of every row."""
    return (np.abs(np.fft.fft(W[:, :M], axis=1)) ** 2,
            np.abs(np.fft.fft(W[:, M:2 * M], axis=1)) ** 2)


def power_energy(Pa: np.ndarray, Pb: np.ndarray, M: int) -> np.ndarray:
    """E = (2/M) sum_{k != 0} Pa_k Pb_k per row, from the power spectra of :func:`power_spectra`."""
    return 2.0 / M * np.sum(Pa[:, 1:] * Pb[:, 1:], axis=1)


def fourier_feature(M: int, k: int, phi: float = 0.0, psi: float = 0.0) -> np.ndarray:
    """Unit vector [u; v], u_a = cos(2 pi k a/M + phi)/sqrt(M), v_b likewise with psi (|u| = |v|)."""
    t = 2 * np.pi * k * np.arange(M) / M
    return np.concatenate([np.cos(t + phi), np.cos(t + psi)]) / np.sqrt(M)


def energy_hessian(w: np.ndarray, X: np.ndarray, Yt: np.ndarray) -> np.ndarray:
    """Hessian of E at w for sigma = x^2: X^T [D Ytil Ytil^T D + 2 diag(Ytil Ytil^T f)] X, D = 2 diag(Xw)."""
    h = X @ w
    D = 2 * h
    A = Yt @ Yt.T
    return X.T @ (D[:, None] * A * D[None, :] + np.diag(2 * (A @ (h * h)))) @ X


def ipr(spectra: np.ndarray) -> np.ndarray:
    """Inverse participation ratio sum_k p_k^2 of the normalised folded spectra (last axis)."""
    p = spectra / np.maximum(spectra.sum(axis=-1, keepdims=True), 1e-300)
    return np.sum(p * p, axis=-1)


def folded_spectrum(W: np.ndarray, M: int) -> tuple[np.ndarray, np.ndarray]:
    """Power of the a-part and b-part of each row in the frequency classes {0}, {1, M-1}, ..."""
    Pa, Pb = power_spectra(W, M)
    return fold_power(Pa, M), fold_power(Pb, M)


def fold_power(P: np.ndarray, M: int) -> np.ndarray:
    """DFT power (rows x M) summed over the classes {0}, {1, M-1}, {2, M-2}, ... (and {M/2})."""
    h = (M - 1) // 2
    fold = np.concatenate([P[:, :1], P[:, 1:h + 1] + P[:, M - h:][:, ::-1]], axis=1)
    if M % 2 == 0:
        fold = np.concatenate([fold, P[:, h + 1:h + 2]], axis=1)
    return fold


# ---- the verified formulas, by name (theory.formulas(), python -m theory list) ---------------------
FORMULAS = (
    Formula("energy_max", ENERGY_MAX, "maximum of the Li2 energy E(w) = 1/2 |Ytil^T sigma(X w)|^2 "
            "on |w| = 1 for sigma(x) = x^2 on Z_M (full data), attained at Fourier features",
            REF + " Thm 1 (E) and Thm 2 / Cor. 2 (maxima at single frequencies); E* = M/4 is our "
            "derivation with |w| = 1 (the paper states M/16 for odd M; its proof was not "
            "reachable, see papers.md)", {"M": (3, 200)}),
    Formula("threshold_law", SCALING_VARIABLE, "shape of the critical training fraction, ln M / M "
            "(n >~ M log M training pairs)", REF + " Thm 4 (universal constants unnamed)",
            {"M": (3, 1000)}),
    Formula("critical_fraction", CRITICAL_FRACTION, "reference curve p*(M) = C_CRIT ln M / M",
            REF + " Thm 4 shape; C_CRIT = 2.7482 from the author's code (cogo/config/dyn_madd.yaml), "
            "not the paper", {"M": (3, 1000)}),
    Formula("threshold_law_exponent", LOCAL_EXPONENT, "local log-log slope of ln M / M: "
            "-1 + 1/ln M (-0.58 at M = 11)", REF + " Thm 4 (slope of its ln M / M law)",
            {"M": (3, 1000)}),
)
