r"""Power-law random features (Paquette et al. 2024) and the MRS tail: exponents derived in sympy.

* Power-law random features, PLRF (Paquette, Paquette, Xiao, Pennington 2024, "4+3 Phases of
  Compute-Optimal Neural Scaling Laws"): x_j ~ N(0, j^(-2 alpha)), target b_j = j^(-beta),
  W in R^(v x d) with N(0, 1/d) entries, risk P(theta) = (1/2)|D^(1/2)(W theta - b)|^2, one-pass SGD
  theta <- theta - gamma W^T x x^T (W theta - b). The Gaussian fourth-moment identity
  E[(a.x)^2 x x^T] = (a^T D a) D + 2 D a a^T D (Isserlis) closes the second moments: in the eigenbasis
  (lambda_i, u_i) of H = W^T D W, with a_i = E[(u_i.(theta - theta*))^2],
      a_i(k+1) = (1 - 2 gamma lambda_i + 2 gamma^2 lambda_i^2) a_i(k) + 2 gamma^2 lambda_i P(k),
      P(k) = (1/2) sum_i lambda_i a_i(k) + P_inf                                   (exact in k).
  Loss components at r steps, d parameters (their Sec. 3; ``COMPONENTS``): F_0 ~ d^(-2 alpha +
  max(0, 1 - 2 beta)), F_pp ~ t^(-(2 alpha + 2 beta - 1)/(2 alpha)), F_ac ~ d^(-1) t^(-(1 - 1/(2 alpha)))
  (2 alpha > 1), K_pp ~ gamma t^(-(2 - 1/(2 alpha))) (4 alpha > 1), in the SGD time t = gamma r. For
  2 alpha < 1 the learning rate itself scales, gamma ~ d^(-(1 - 2 alpha)), since sum_j j^(-2 alpha) grows
  with v = kappa d. Compute f = r d; d* ~ f^x and P* ~ f^(-y) come from balancing the two components
  that dominate in each phase:
      Ia  F_pp vs F_0   x = 1/(2a+1)                    y = (2a+2b-1)/(2a+1)
      II  F_pp vs F_ac  x = b/(a+b)                     y = (2a+2b-1)/(2(a+b))
      III F_ac vs K_pp  x = 1/2                         y = (4a-1)/(4a)
      Ib  F_pp vs F_0   x = 1/2                         y = (2a+2b-1)/2
      Ic  F_pp vs F_0   x = (2a+2b-1)/(2(2b+3a-2ab-1))  y = a(2a+2b-1)/(2b+3a-2ab-1)
      IVa F_pp vs K_pp  x = (b-a)/(2b-a-2ab)            y = (1-2a)(2a+2b-1)/(2(2b-a-2ab))
      IVb K_pp vs F_0   x = 1/2                         y = a
  (a = alpha, b = beta). Ia, II and III are the paper's rows (confirmed from the paper and the authors'
  notebooks); the 2 alpha < 1 rows and the IVa | IVb split are OUR derivation from the same components
  with the scaled learning rate, since the paper's table was not reachable. Each row is checked to
  be self-consistent: the terms it drops are smaller at its
  optimum (``DROPPED``) and the two balanced terms move in opposite directions with d at fixed f
  (``MONOTONE``); the zero sets of those margins and slopes are the phase boundaries 2 beta = 1,
  beta = alpha, 2 alpha = 1, 4 alpha = 1 (where K_pp's power law appears; the paper's Ic | IV line) and
  alpha = 1 - 1/sqrt(2) (IVa | IVb, where the noise's d-slope at fixed f changes sign). Neighbouring rows
  agree on their shared boundary (``CONTINUITY``), except d* across IVa | IVb. Phase III agrees with
  the paper's II/III-boundary experiment (alpha = 0.7: predicted 0.643, their measured 0.648). Near
  2 alpha = 1 the dropped F_0 margin (2 alpha - 1)^2 / (4 alpha) is small (1/12 at alpha = 3/4), so
  corrections fade like f^(-1/12); the smallest margin of a row at (alpha, beta) is the rate its
  compute-optimal claim uses for the finite-size remainder. For 2 alpha < 1 the asymptotic window
  needs t = gamma r >> 1 at r ~ d, i.e. d^(2 alpha) >> 1, beyond sampled W; the rows are measured on
  the deterministic equivalent (:mod:`sims.scaling_laws.equivalent`).
* Maloney, Roberts, Sully 2022 ("A Solvable Model of Neural Scaling Laws"): latent spectrum
  lambda_I = I^(-(1 + alpha)); with n = min(N, P) the unlearnt tail sum_{I > n} lambda_I ~ n^(-alpha)/alpha.
* Superposition (Liu, Liu, Gore 2025): the squared overlap of two independent uniform unit vectors in
  R^m has mean 1/m (u_1^2 ~ Beta(1/2, (m - 1)/2)), hence loss ~ 1/m under strong superposition.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from .._lambdified import lambdified
al, be, f, d, r, m, nn, I = sp.symbols("alpha beta f d r m n I", positive=True)

# ---- PLRF loss components (Paquette et al. 2024, Sec. 3) ----------------------------------------
# gamma = c / sum_{j <= v} j^(-2 alpha) with v = kappa d: the sum is O(1) for 2 alpha > 1 and
# ~ v^(1 - 2 alpha)/(1 - 2 alpha) for 2 alpha < 1, so gamma ~ d^(-g), g = max(0, 1 - 2 alpha) (checked in
# verify()). A component is written gamma^a t^(-q) d^(-p0) in the SGD time t = gamma r; in steps r it is
# d^(-p) r^(-q) with p = p0 + g (a - q) (``in_steps``), and rows are balanced in that form.
#   F_0  = d^(-2 alpha + max(0, 1 - 2 beta))                        limit loss (capacity)
#   F_pp = t^(-(2 alpha + 2 beta - 1)/(2 alpha))                    sum_{j > J} j^-(2a+2b), J = t^(1/2a)
#   F_ac = d^(-1) t^(-(1 - 1/(2 alpha)))          (2 alpha > 1)     embedding distortion of the bulk
#   K_pp = gamma t^(-(2 - 1/(2 alpha)))           (4 alpha > 1)     SGD noise: (1/gamma) x the kernel
#          gamma^2 sum_j lambda_j^2 e^(-2 lambda_j t) ~ gamma^2 J^(1 - 4 alpha), the 1/gamma being the
#          integral of the loss over steps it convolves (finite when 2 beta > 1).
# For 2 alpha < 1 the bulk of H = W^T D W sits at the pp cut-off scale d^(-2 alpha) and is learnt with
# the last pp modes at r ~ d, so F_ac has no separate power law (its t exponent is < 0). For 4 alpha < 1
# the kernel sum is dominated by the bulk, gamma sum_{j <= d} j^(-4 alpha) ~ d^(-2 alpha): the noise is
# then F_0-shaped and cannot move the optimum; alpha = 1/4 is where K_pp's power law appears.
G_SMALL = 1 - 2 * al                                # gamma ~ d^-g for 2 alpha < 1
TAU = (2 * al + 2 * be - 1) / (2 * al)
COMPONENTS = {"F_0 (2b<1)": (0, 0, 2 * al + 2 * be - 1), "F_0 (2b>1)": (0, 0, 2 * al),
              "F_pp": (0, TAU, 0), "F_ac": (0, 1 - 1 / (2 * al), 1), "K_pp": (1, 2 - 1 / (2 * al), 0)}


def in_steps(component, g):
    """(a, q, p0) of gamma^a t^-q d^-p0, with gamma ~ d^-g and t = gamma r -> (p, q) of d^-p r^-q."""
    a, q, p0 = component
    return (sp.simplify(p0 + g * (a - q)), sp.simplify(q))


F0_SMALL_BETA, F0_LARGE_BETA = in_steps(COMPONENTS["F_0 (2b<1)"], 0), in_steps(COMPONENTS["F_0 (2b>1)"], 0)
FPP, FAC, KPP = (in_steps(COMPONENTS[k], 0) for k in ("F_pp", "F_ac", "K_pp"))
FPP_S, KPP_S = (in_steps(COMPONENTS[k], G_SMALL) for k in ("F_pp", "K_pp"))   # 2 alpha < 1
PHASE_TERMS = {"Ia": (FPP, F0_SMALL_BETA), "II": (FPP, FAC), "III": (FAC, KPP),
               "Ib": (FPP_S, F0_SMALL_BETA), "Ic": (FPP_S, F0_LARGE_BETA),
               "IVa": (FPP_S, KPP_S), "IVb": (KPP_S, F0_LARGE_BETA)}
ALPHA_IV = 1 - 1 / sp.sqrt(2)        # IVa | IVb: K_pp's d-slope at fixed compute changes sign
PHASE_TABLE = {   # (x, y): d* ~ f^x, P* ~ f^-y. Ia, II, III as the issue states them; the 2 alpha < 1
    # rows written out from our balance (verify() re-derives every row from PHASE_TERMS).
    "Ia": (1 / (2 * al + 1), (2 * al + 2 * be - 1) / (2 * al + 1)),
    "II": (be / (al + be), (2 * al + 2 * be - 1) / (2 * (al + be))),
    "III": (sp.Rational(1, 2), (4 * al - 1) / (4 * al)),
    "Ib": (sp.Rational(1, 2), (2 * al + 2 * be - 1) / 2),
    "Ic": ((2 * al + 2 * be - 1) / (2 * (2 * be + 3 * al - 2 * al * be - 1)),
           al * (2 * al + 2 * be - 1) / (2 * be + 3 * al - 2 * al * be - 1)),
    "IVa": ((be - al) / (2 * be - al - 2 * al * be),
            (1 - 2 * al) * (2 * al + 2 * be - 1) / (2 * (2 * be - al - 2 * al * be))),
    "IVb": (sp.Rational(1, 2), al),
}


def balance(t1, t2):
    """Compute-optimal exponents of d^-p1 r^-q1 + d^-p2 r^-q2 at fixed f = r d: with d = f^x the two
    terms scale as f^-(p x + q (1 - x)); the optimum equates them. Returns (x, y)."""
    x = sp.Symbol("x")
    e1 = t1[0] * x + t1[1] * (1 - x)
    e2 = t2[0] * x + t2[1] * (1 - x)
    (xs,) = sp.solve(sp.Eq(e1, e2), x)
    return sp.simplify(xs), sp.simplify(e1.subs(x, xs))


# Each derived row is self-consistent only if the terms it drops are smaller at its optimum: the margin
# (exponent of the dropped term at d = f^x) - y must be > 0 inside the phase; it vanishes exactly on
# the phase boundaries (2 beta = 1, beta = alpha, 2 alpha = 1, 4 alpha = 1), which is how they arise.
DROPPED = {"Ia": {"K_pp": (KPP, (al - be) * 2 / (2 * al + 1)),
                  "F_ac": (FAC, (1 - 2 * be) / (2 * al + 1))},
           "II": {"F_0": (F0_LARGE_BETA, (2 * al - 1) * (2 * be - 1) / (2 * (al + be))),
                  "K_pp": (KPP, (al - be) / (al + be))},
           "III": {"F_pp": (FPP, (be - al) / (2 * al)),
                   "F_0": (F0_LARGE_BETA, (2 * al - 1) ** 2 / (4 * al))},
           "Ib": {"K_pp": (KPP_S, (1 - 2 * be) / 2)},
           "Ic": {"K_pp": (KPP_S, (1 - 4 * al) * (2 * be - 1) / (2 * (2 * be + 3 * al - 2 * al * be - 1)))},
           "IVa": {"F_0": (F0_LARGE_BETA, (4 * al - 1) * (2 * be - 1) / (2 * (2 * be - al - 2 * al * be)))},
           "IVb": {"F_pp": (FPP_S, (2 * be - 1) / 2)}}
# A balance is a minimum over d only if one of its two terms grows with d at fixed f and the other
# falls: d^-p r^-q = f^-q d^(q - p). For K_pp at 2 alpha < 1, q - p = -(2 alpha^2 - 4 alpha + 1)/alpha
# changes sign at alpha = 1 - 1/sqrt(2): below it the noise falls with d (IVa: F_pp vs K_pp), above it
# the noise grows with d and F_0 is what falls (IVb: K_pp vs F_0). Entries: (term, required sign, slope).
MONOTONE = {"IVa": ("K_pp", KPP_S, -1, -(2 * al**2 - 4 * al + 1) / al),
            "IVb": ("K_pp", KPP_S, +1, -(2 * al**2 - 4 * al + 1) / al)}


def margin(term, x, y):
    """Exponent of d^-p r^-q at d = f^x, r = f^(1-x), minus the balanced exponent y."""
    return sp.simplify(term[0] * x + term[1] * (1 - x) - y)


def d_slope(term):
    """Exponent of d in d^-p r^-q at fixed compute f = r d."""
    return sp.simplify(term[1] - term[0])


def boundary_factors() -> list[sp.Expr]:
    """The phase boundaries of the derived rows: the distinct non-constant factors (up to sign) of the
    numerators of every dropped-term margin (``DROPPED``) and every monotonicity slope (``MONOTONE``)."""
    exprs = [want for dropped in DROPPED.values() for _, want in dropped.values()]
    exprs += [slope for *_, slope in MONOTONE.values()]
    out: list[sp.Expr] = []
    for e in exprs:
        for fac, _ in sp.factor_list(sp.numer(sp.together(e)))[1]:
            if not any(sp.simplify(fac - g) == 0 or sp.simplify(fac + g) == 0 for g in out):
                out.append(fac)
    return out


def boundary_beta(fac: sp.Expr):
    """A boundary factor as a plotting recipe: ('beta', f(alpha)) or ('alpha', the root in (0, 1))."""
    if fac.has(be):
        return "beta", sp.lambdify(al, sp.solve(fac, be)[0], "numpy")
    roots = [float(r) for r in sp.solve(fac, al) if 0 < float(r) < 1]
    return "alpha", roots[0]


def phase(alpha: float, beta: float) -> str:
    """The phase of (alpha, beta): Ia, Ib, Ic, II, III, IVa, IVb ('' where alpha + beta <= 1/2, no loss
    scale). Ib here also covers 2 beta < 1 with alpha < 1/4: there the bulk-dominated noise ~ d^-2alpha
    stays below F_0 ~ d^-(2 alpha + 2 beta - 1), so the Ib balance holds unchanged."""
    if alpha + beta <= 0.5:
        return ""
    if 2 * beta < 1:
        return "Ia" if 2 * alpha > 1 else "Ib"
    if 2 * alpha > 1:
        return "II" if beta < alpha else "III"
    if alpha < 0.25:
        return "Ic"
    return "IVa" if alpha < float(ALPHA_IV) else "IVb"


# ---- Gaussian fourth moment and the SGD second-moment recursion ----------------------------------
def _gaussian_moment(dim=2):
    """E[(a.x)^2 x x^T] for x ~ N(0, Sigma), Sigma general symmetric, from the moment generating
    function exp(t^T Sigma t / 2) (fourth derivatives at 0), vs (a^T S a) S + 2 S a a^T S."""
    t = sp.symbols(f"t0:{dim}")
    S = sp.Matrix(dim, dim, lambda i, j: sp.Symbol(f"s{min(i, j)}{max(i, j)}"))
    a = sp.Matrix(sp.symbols(f"a0:{dim}"))
    mgf = sp.exp((sp.Matrix(t).T * S * sp.Matrix(t))[0] / 2)
    at0 = {ti: 0 for ti in t}

    def moment(*idx):
        return sp.diff(mgf, *[t[i] for i in idx]).subs(at0)
    lhs = sp.Matrix(dim, dim, lambda i, j: sum(a[k] * a[l] * moment(k, l, i, j)
                                               for k in range(dim) for l in range(dim)))
    rhs = (a.T * S * a)[0] * S + 2 * S * a * a.T * S
    return sp.simplify(lhs - rhs) == sp.zeros(dim, dim)


def _recursion_from_identity(dim=2):
    """Diagonal of E[dd'^T] after one SGD step, with delta = theta - theta*, H = diag(l), g = W^T x x^T e,
    E g = H delta, E g g^T = 2 P H + 2 H delta delta^T H (the identity with W^T D r = 0), equals the
    stated a_i recursion for any second-moment matrix Q = E[delta delta^T]."""
    lam = sp.symbols(f"l0:{dim}", positive=True)
    gm, P = sp.symbols("gamma P", positive=True)
    H = sp.diag(*lam)
    Q = sp.Matrix(dim, dim, lambda i, j: sp.Symbol(f"q{min(i, j)}{max(i, j)}"))
    new = Q - gm * (H * Q + Q * H) + gm**2 * (2 * P * H + 2 * H * Q * H)
    return all(sp.expand(new[i, i] - ((1 - 2 * gm * lam[i] + 2 * gm**2 * lam[i]**2) * Q[i, i]
                                      + 2 * gm**2 * lam[i] * P)) == 0 for i in range(dim))


# Shared boundaries of neighbouring rows, (row, row, the boundary as a substitution, components that
# must agree: 0 = x, 1 = y). Across IVa | IVb only y agrees: K_pp is flat in d at fixed f there, so any
# d between the two optima gives the same loss and d* jumps.
CONTINUITY = (("Ia", "II", {be: sp.Rational(1, 2)}, (0, 1)), ("II", "III", {be: al}, (0, 1)),
              ("Ia", "Ib", {al: sp.Rational(1, 2)}, (0, 1)), ("Ib", "Ic", {be: sp.Rational(1, 2)}, (0, 1)),
              ("Ib", "IVa", {be: sp.Rational(1, 2)}, (0, 1)), ("Ib", "IVb", {be: sp.Rational(1, 2)}, (0, 1)),
              ("Ic", "IVa", {al: sp.Rational(1, 4)}, (0, 1)), ("IVa", "IVb", {al: ALPHA_IV}, (1,)),
              ("IVb", "III", {al: sp.Rational(1, 2)}, (0, 1)))


def _component_checks() -> dict[str, bool]:
    """The power laws behind COMPONENTS, from the integral approximation of their sums."""
    x, t, v, J = sp.symbols("x t v J", positive=True)
    e = sp.Symbol("e", positive=True)                  # e = 1 - 2 alpha > 0
    out = {}
    lr_sum = sp.integrate(x**(e - 1), (x, 1, v))       # sum_{j <= v} j^-2alpha, 2 alpha = 1 - e
    out["learning rate: sum_{j<=v} j^-2alpha ~ v^(1-2alpha)/(1-2alpha) for 2 alpha < 1"] = (
        sp.limit(lr_sum / v**e, v, sp.oo) == 1 / e)
    big = sp.Symbol("s", positive=True)                # 2 alpha - 1 > 0
    out["learning rate: sum_{j} j^-2alpha converges for 2 alpha > 1"] = sp.integrate(
        x**(-1 - big), (x, 1, sp.oo)) == 1 / big
    cut = t**(1 / (2 * al))                            # modes with lambda_j t > 1 are learnt
    fpp = sp.integrate(x**(-(2 * al + 2 * be)), (x, J, sp.oo), conds="none").subs(J, cut)
    out["F_pp: sum_{j > t^(1/2alpha)} j^-(2alpha+2beta) ~ t^-tau"] = sp.simplify(
        sp.diff(sp.log(fpp), t) * t + TAU) == 0
    kernel = sp.integrate(x**(-4 * al), (x, J, sp.oo), conds="none").subs(J, cut)
    out["K_pp: gamma^2 sum_{j > t^(1/2alpha)} j^-4alpha ~ gamma^2 t^-(2 - 1/(2alpha)) (4 alpha > 1)"] = (
        sp.simplify(sp.diff(sp.log(kernel), t) * t + COMPONENTS["K_pp"][1]) == 0)
    d_exp = -(1 - 2 * al) + (1 - 4 * al)   # gamma ~ d^-(1-2alpha) times sum_{j<=d} j^-4alpha ~ d^(1-4alpha)
    out["4 alpha < 1: bulk noise gamma sum_{j<=d} j^-4alpha ~ d^-2alpha, the shape of F_0 (2b>1)"] = (
        sp.simplify(d_exp + COMPONENTS["F_0 (2b>1)"][2]) == 0)
    return out


def _phase_checks() -> dict[str, bool]:
    """Every row re-derived from its two balanced terms; the dropped terms' margins; the IV slopes."""
    checks = {}
    for name, (t1, t2) in PHASE_TERMS.items():
        x, y = balance(t1, t2)
        tx, ty = PHASE_TABLE[name]
        checks[f"phase {name}: x derived = table"] = sp.simplify(x - tx) == 0
        checks[f"phase {name}: y derived = table"] = sp.simplify(y - ty) == 0
    for name, dropped in DROPPED.items():
        x, y = PHASE_TABLE[name]
        for term_name, (term, want) in dropped.items():
            checks[f"phase {name}: dropped {term_name} margin = {sp.factor(want)}"] = sp.simplify(
                margin(term, x, y) - want) == 0
    for name, (term_name, term, sign, slope) in MONOTONE.items():
        checks[f"phase {name}: {term_name} d-slope at fixed f = {sp.factor(slope)}, sign {sign:+d}"] = (
            sp.simplify(d_slope(term) - slope) == 0)
    return checks


def _boundary_checks() -> dict[str, bool]:
    """Continuity of neighbouring rows and the boundaries as zero sets of margins and slopes."""
    checks = {}
    for p1, p2, sub, keys in CONTINUITY:
        checks[f"continuity {p1}/{p2} ({'x and y' if keys == (0, 1) else 'y; d* jumps'})"] = all(
            sp.simplify(PHASE_TABLE[p1][k].subs(sub) - PHASE_TABLE[p2][k].subs(sub)) == 0
            for k in keys)
    facs = boundary_factors()
    want = [2 * be - 1, al - be, 2 * al - 1, 4 * al - 1, 2 * al**2 - 4 * al + 1]
    checks["boundaries = zero sets of the margins and slopes: 2 beta = 1, beta = alpha, 2 alpha = 1, "
           "4 alpha = 1, alpha = 1 - 1/sqrt(2)"] = (
        len(facs) == len(want) and all(any(sp.simplify(w - g) == 0 or sp.simplify(w + g) == 0
                                           for g in facs) for w in want))
    checks["alpha = 1 - 1/sqrt(2) is the root of 2 alpha^2 - 4 alpha + 1 in (0, 1/2)"] = (
        sp.simplify((2 * al**2 - 4 * al + 1).subs(al, ALPHA_IV)) == 0 and 0 < ALPHA_IV < sp.Rational(1, 2))
    return checks


def _other_checks() -> dict[str, bool]:
    """The target norm, the MRS tail and random overlaps."""
    checks = {}
    norm = sp.integrate(I**(-2 * (al + be)), (I, 1, sp.oo))
    checks["target norm sum j^-2(alpha+beta) finite iff 2(alpha + beta) > 1 (integral test)"] = (
        isinstance(norm, sp.Piecewise) and norm.args[0][1] == (2 * al + 2 * be > 1))
    tail = sp.integrate(I**(-(1 + al)), (I, nn, sp.oo), conds="none")
    checks["MRS tail integral = n^-alpha / alpha"] = sp.simplify(tail - nn**(-al) / al) == 0
    # Euler-Maclaurin for alpha = 1: sum_{I>n} I^-2 = psi'(n+1) ~ 1/n.
    checks["MRS tail sum ~ n^-alpha / alpha (alpha = 1)"] = sp.limit(
        nn * sp.polygamma(1, nn + 1), nn, sp.oo) == 1
    checks["random unit vectors: E[(u.v)^2] = 1/m"] = sp.simplify(
        sp.Rational(1, 2) / (sp.Rational(1, 2) + (m - 1) / 2) - 1 / m) == 0  # Beta(1/2,(m-1)/2) mean
    return checks


def plrf_checks() -> dict[str, bool]:
    """Every symbolic check of this module; returns {check name: passed}."""
    checks: dict[str, bool] = {}
    checks["Gaussian fourth-moment identity (Isserlis, via the MGF)"] = _gaussian_moment(2)
    checks["SGD second-moment recursion follows from the identity"] = _recursion_from_identity(2)
    for part in (_phase_checks, _boundary_checks, _component_checks, _other_checks):
        checks.update(part())
    return {k: bool(v) for k, v in checks.items()}


PLRF_X = {k: lambdified((al, be), v[0], "numpy") for k, v in PHASE_TABLE.items()}
PLRF_Y = {k: lambdified((al, be), v[1], "numpy") for k, v in PHASE_TABLE.items()}


def predicted(row: str, alpha: float, beta: float) -> tuple[float, float]:
    """(x, y) of a row at (alpha, beta), outside its phase too (inf or nan where a denominator of
    its formula vanishes), for comparing a measurement with every row."""
    with np.errstate(all="ignore"):
        a, b = np.float64(alpha), np.float64(beta)
        return float(PLRF_X[row](a, b)), float(PLRF_Y[row](a, b))
