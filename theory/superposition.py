r"""Superposition and neural scaling (Liu, Liu, Gore 2025, arXiv:2505.10465): the exponents, in sympy.

Toy model: x_i = Bernoulli(p_i) u_i, u_i ~ U(0, 2), p_i ~ i^-alpha, y = ReLU(x W W^T + b), MSE
averaged over the n features (:mod:`sims.superposition`).

* Weak superposition (only the m most frequent features get a row, the rows orthogonal): a feature
  without a row is best served by a constant c = ReLU(b_i); min_c E[(c - x_i)^2] = p_i E[u^2] -
  p_i^2 E[u]^2 with E[u] = 1, E[u^2] = 4/3, at c = p_i E[u]. Hence
      L_weak(m) = (1/n) sum_{i>m} (4/3 p_i - p_i^2) ~ (4 D / (3 n Z)) m^(1-alpha) / (alpha - 1),
  the tail integral int_m^oo I^-alpha dI = m^(1-alpha)/(alpha-1): the loss exponent is alpha - 1
  (alpha > 1; the p_i^2 term decays faster, as m^(1-2 alpha)).
* A represented feature's own error (its row W_i orthogonal to the others, w = |W_i|^2, bias b):
  its output is ReLU(w x_i + b), and for 0 <= w <= 1, b >= 0
      e(p, w, b) = p E[(w u + b - u)^2] + (1 - p) b^2,
  minimised over the (undecayed) bias at b* = p (1 - w), where
      e*(p, w) = (1 - w)^2 (4/3 p - p^2):
  the unrepresented loss scaled by the squared shrinkage (1 - w)^2 (w = 0: no row, the best
  constant; w = 1: exact). With every row orthogonal, L = (1/n) sum_i (1 - w_i)^2 (4/3 p_i - p_i^2)
  (:func:`rows_loss`); the weak-regime law is its case w_i = 1 for i <= m, 0 otherwise. AdamW's
  decoupled decay (sims/superposition/model.py: W <- (1 - lr gamma) W, then the Adam step) is not a
  penalty on the loss: its fixed point sets the Adam-normalised mean gradient, mean/rms per
  coordinate, to gamma W_ik, and with orthogonal rows both the mean and the rms of a learned row's
  gradient are proportional to its residual (1 - w), so that balance leaves w undetermined at this
  order (it is fixed by the rows' interference and the step noise, which we do not model). The
  shrinkage w_i is therefore read from the trained rows (the measured |W_i|^2), as the paper reads
  the number of represented features.
* Strong superposition (all n rows, unit norm, n >> m): the loss is set by the interference
  (W_i.W_j)^2. Two independent uniform unit vectors of R^m have E[(u.v)^2] = 1/m: by rotation
  invariance (u.v)^2 has the law of v_1^2, whose density on [0, 1] is that of Beta(1/2, (m-1)/2)
  (the marginal of a uniform point on S^(m-1) is proportional to (1 - t^2)^((m-3)/2)). No
  arrangement does much better: for n unit vectors in R^m the Gram matrix G has rank <= m, so
  |G|_F^2 >= tr(G)^2 / m = n^2 / m and the mean over i != j of (u_i.u_j)^2 is at least
  (n - m) / (m (n - 1)) (the Welch bound), also ~ 1/m. Hence loss ~ overlap ~ m^-1.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from ._lambdified import lambdified
from .formulas import Formula

m, n, t, s, u, c, p, I, al = sp.symbols("m n t s u c p I alpha", positive=True)

STRONG_EXPONENT = -1
RANDOM_OVERLAP_VAR = 2 * (m - 1) / (m**2 * (m + 2))     # Var[(u.v)^2], u, v uniform on S^(m-1)
E_U = sp.integrate(u / 2, (u, 0, 2))              # u ~ U(0, 2): density 1/2
E_U2 = sp.integrate(u**2 / 2, (u, 0, 2))
RANDOM_OVERLAP = 1 / m                                  # E[(u.v)^2], u, v uniform on S^(m-1)
WELCH_BOUND = (n - m) / (m * (n - 1))                   # min mean (u_i.u_j)^2 over i != j
UNREPRESENTED_LOSS = sp.Rational(4, 3) * p - p**2       # min_c E[(c - x)^2], x = Bernoulli(p) U(0, 2)
WEAK_TAIL = m ** (1 - al) / (al - 1)                    # int_m^oo I^-alpha dI
WEAK_EXPONENT = -(al - 1)                               # d log L_weak / d log m
w, b = sp.symbols("w b", nonnegative=True)             # a represented row's |W_i|^2 and bias
SHRUNK_LOSS = (1 - w) ** 2 * UNREPRESENTED_LOSS         # e*(p, w): its error at the best bias
BEST_BIAS = p * (1 - w)


def _overlap_from_sphere_marginal():
    """E[v_1^2] for v uniform on S^(m-1), from the marginal density ~ (1 - t^2)^((m-3)/2) on [-1, 1]
    (substituting s = t^2 turns both integrals into Beta functions)."""
    num = sp.beta(sp.Rational(3, 2), (m - 1) / 2)          # int_0^1 s^(1/2) (1-s)^((m-3)/2) ds
    den = sp.beta(sp.Rational(1, 2), (m - 1) / 2)          # int_0^1 s^(-1/2) (1-s)^((m-3)/2) ds
    return sp.gammasimp(sp.expand_func(num / den))


def _overlap_m3_direct():
    """The same in R^3 by a direct integral over the sphere (density 1/2 of t = cos(theta))."""
    return sp.integrate(t**2 * sp.Rational(1, 2), (t, -1, 1))


def _welch_bound():
    """Mean squared overlap over i != j when |G|_F^2 = n^2/m (equality in tr(G)^2 <= m |G|_F^2)."""
    return sp.simplify((n**2 / m - n) / (n * (n - 1)))


def _best_constant():
    """min_c E[(c - x)^2], x = Bernoulli(p) u: returns (argmin, minimum)."""
    risk = p * sp.integrate((c - u) ** 2 / 2, (u, 0, 2)) + (1 - p) * c**2
    (cs,) = sp.solve(sp.diff(risk, c), c)
    return sp.simplify(cs), sp.simplify(risk.subs(c, cs))


def _represented_risk():
    """e(p, w, b) = p E[(ReLU(w u + b) - u)^2] + (1 - p) ReLU(b)^2 for 0 <= w <= 1, b >= 0 (then
    w u + b >= 0: the ReLU is the identity on active samples)."""
    return p * sp.integrate((w * u + b - u) ** 2 / 2, (u, 0, 2)) + (1 - p) * b**2


def _best_bias():
    """argmin_b e(p, w, b) and the minimum: (b*, e*)."""
    risk = _represented_risk()
    (bs,) = sp.solve(sp.diff(risk, b), b)
    return sp.simplify(bs), sp.factor(sp.simplify(risk.subs(b, bs)))


def _check_represented() -> dict[str, bool]:
    bs, es = _best_bias()
    risk = _represented_risk()
    return {
        "represented feature: best bias b* = p (1 - w) (a stationary point, convex in b)":
            sp.simplify(bs - BEST_BIAS) == 0 and sp.simplify(sp.diff(risk, b, 2)) == 2,
        "represented feature: e*(p, w) = (1 - w)^2 (4/3 p - p^2)":
            sp.simplify(es - SHRUNK_LOSS) == 0,
        "represented feature: e* is the unrepresented loss at w = 0 and 0 at w = 1":
            sp.simplify(es.subs(w, 0) - UNREPRESENTED_LOSS) == 0 and es.subs(w, 1) == 0,
    }


def weak_exponent_symbolic():
    """d log(int_m^oo I^-alpha dI) / d log m, for alpha > 1."""
    a = sp.Symbol("a", positive=True)             # a = alpha - 1 > 0
    tail = sp.integrate(I ** (-(1 + a)), (I, m, sp.oo))
    return sp.simplify((m * sp.diff(sp.log(tail), m)).subs(a, al - 1)), sp.simplify(tail.subs(a, al - 1))


def _overlap_fourth_moment():
    """E[v_1^4] for v uniform on S^(m-1) (Beta marginal again): 3 / (m (m + 2))."""
    num = sp.beta(sp.Rational(5, 2), (m - 1) / 2)
    den = sp.beta(sp.Rational(1, 2), (m - 1) / 2)
    return sp.gammasimp(sp.expand_func(num / den))


def _check_random_overlap() -> dict[str, bool]:
    return {
        "random unit vectors: E[(u.v)^2] = 1/m (Beta marginal on the sphere)":
            sp.simplify(_overlap_from_sphere_marginal() - RANDOM_OVERLAP) == 0,
        "random unit vectors in R^3: direct integral = 1/3":
            _overlap_m3_direct() == sp.Rational(1, 3),
        "random unit vectors: Var[(u.v)^2] = 2 (m - 1) / (m^2 (m + 2))":
            sp.simplify(_overlap_fourth_moment() - RANDOM_OVERLAP**2 - RANDOM_OVERLAP_VAR) == 0,
    }


def _check_welch() -> dict[str, bool]:
    w = _welch_bound()
    return {"Welch bound (n - m)/(m (n - 1)) -> 1/m as n -> oo":
            sp.simplify(w - WELCH_BOUND) == 0 and sp.limit(w * m, n, sp.oo) == 1}


def _check_best_constant() -> dict[str, bool]:
    cs, risk = _best_constant()
    return {
        "U(0, 2): E[u] = 1, E[u^2] = 4/3": E_U == 1 and E_U2 == sp.Rational(4, 3),
        "unrepresented feature: best output p E[u], loss p E[u^2] - p^2":
            sp.simplify(cs - p) == 0 and sp.simplify(risk - UNREPRESENTED_LOSS) == 0,
    }


def _check_weak_tail() -> dict[str, bool]:
    expo, tail = weak_exponent_symbolic()
    return {
        "weak regime: tail int_m^oo I^-alpha = m^(1-alpha)/(alpha-1)":
            sp.simplify(tail - WEAK_TAIL) == 0,
        "weak regime: loss exponent -(alpha - 1)": sp.simplify(expo - WEAK_EXPONENT) == 0,
        # the discrete sum: for alpha = 2, sum_{i>m} i^-2 = psi'(m+1) ~ 1/m (exponent -1 = -(2-1))
        "weak regime: discrete tail sum ~ m^-1 at alpha = 2":
            sp.limit(m * sp.polygamma(1, m + 1), m, sp.oo) == 1,
    }


def verify() -> dict[str, bool]:
    """Every symbolic check, by name."""
    checks: dict[str, bool] = {}
    for part in (_check_random_overlap, _check_welch, _check_best_constant, _check_weak_tail,
                 _check_represented):
        checks.update(part())
    return {k: bool(v) for k, v in checks.items()}


weak_exponent = lambdified(al, WEAK_EXPONENT, "numpy")
random_overlap = lambdified(m, RANDOM_OVERLAP, "numpy")
welch_bound = lambdified((n, m), _welch_bound(), "numpy")
random_overlap_var = lambdified(m, RANDOM_OVERLAP_VAR, "numpy")
represented_risk = lambdified((p, w, b), _represented_risk(), "numpy")   # valid for w <= 1, b >= 0
shrunk_loss = lambdified((p, w), SHRUNK_LOSS, "numpy")
best_bias = lambdified((p, w), BEST_BIAS, "numpy")


# ---- the verified formulas, by name (theory.formulas(), python -m theory list) ---------------------
LLG = "Liu, Liu & Gore 2025 (arXiv:2505.10465)"
FORMULAS = (
    Formula("weak_exponent", WEAK_EXPONENT, "exponent of the weak-superposition loss in m: "
            "L_weak ~ m^-(alpha - 1) (feature frequencies p_i ~ i^-alpha, alpha > 1)",
            LLG + ", weak superposition", {"alpha": (1, 5)}),
    Formula("weak_tail", WEAK_TAIL, "tail integral int_m^oo I^-alpha dI behind L_weak(m)",
            LLG + ", weak superposition (tail integral)", {"m": (1, 1000), "alpha": (1, 5)}),
    Formula("unrepresented_loss", UNREPRESENTED_LOSS, "loss of a feature without a row, at its best "
            "constant output p E[u]: p E[u^2] - p^2 E[u]^2 with u ~ U(0, 2)",
            LLG + ", weak superposition (toy model's best constant)", {"p": (0, 1)}),
    Formula("shrunk_loss", SHRUNK_LOSS, "error of a represented feature with orthogonal row of "
            "squared norm w <= 1, at its best bias p (1 - w): (1 - w)^2 (4/3 p - p^2)",
            "derived in this module (the toy model's per-feature error), for " + LLG +
            "'s weak superposition", {"p": (0, 1), "w": (0, 1)}),
    Formula("random_overlap", RANDOM_OVERLAP, "E[(u.v)^2] = 1/m for independent uniform unit "
            "vectors of R^m (Beta(1/2, (m-1)/2) marginal): loss ~ m^-1 under strong superposition",
            LLG + ", strong superposition", {"m": (2, 1000)}),
    Formula("random_overlap_var", RANDOM_OVERLAP_VAR, "Var[(u.v)^2] for independent uniform unit "
            "vectors of R^m (fourth moment of the Beta marginal)",
            "derived in this module (Beta marginal of the sphere), for " + LLG + "'s overlaps",
            {"m": (2, 1000)}),
    Formula("welch_bound", WELCH_BOUND, "lower bound on the mean of (u_i.u_j)^2 over i != j for n "
            "unit vectors of R^m (n > m), ~ 1/m as n -> oo",
            "Welch bound (rank of the Gram matrix), as used for " + LLG + "'s strong regime",
            {"n": (100, 10000), "m": (2, 50)}),
)


def random_weighted_overlap_se(m_dim: int, weights: np.ndarray) -> float:
    """Standard deviation of sum_{i != j} w_ij (u_i.u_j)^2 / sum_{i != j} w_ij for independent
    uniform unit vectors u_i of R^m and a symmetric weight matrix w (zero diagonal). The squared
    overlaps of different unordered pairs are uncorrelated (given u_i, each has mean 1/m, also for
    pairs sharing a vector); each unordered pair appears twice in the ordered sum, hence
    sqrt(2 Var[(u.v)^2] sum_{i != j} w_ij^2) / sum_{i != j} w_ij."""
    w = np.asarray(weights, float)
    return float(np.sqrt(2 * random_overlap_var(m_dim) * np.sum(w * w)) / np.sum(w))


def weak_loss(m_grid, n_features: int, alpha: float, density: float = 1.0) -> np.ndarray:
    """L_weak(m) = (1/n) sum_{i>m} (E[u^2] p_i - E[u]^2 p_i^2): the m most frequent features exact,
    the others replaced by their best constant (finite n, the exact sum)."""
    q = np.arange(1, n_features + 1, dtype=float) ** -alpha
    q = density * q / q.sum()
    per = float(E_U2) * q - float(E_U) ** 2 * q**2
    return np.array([per[int(k):].sum() / n_features for k in np.atleast_1d(m_grid)])


def frequencies(n_features: int, alpha: float, density: float = 1.0) -> np.ndarray:
    """p_i = D i^-alpha / sum_(j<=n) j^-alpha [feature]."""
    q = np.arange(1, n_features + 1, dtype=float) ** -alpha
    return density * q / q.sum()


def rows_loss(sq_norms, p) -> np.ndarray:
    """L = (1/n) sum_i (1 - w_i)^2 (4/3 p_i - p_i^2) for orthogonal rows of squared norms
    ``sq_norms`` [..., feature] (clipped to [0, 1]) at their best biases; ``p`` [feature]. Returns
    [...]: one loss per row of ``sq_norms``."""
    wv = np.clip(np.asarray(sq_norms, float), 0.0, 1.0)
    pv = np.asarray(p, float)
    return np.sum(shrunk_loss(pv, wv), axis=-1) / pv.shape[-1]
