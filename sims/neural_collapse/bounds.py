r"""Tolerances from the stopping rule: how far from the global minimiser a run stopped at |grad| < tol.

The class-mean (reduced) problem. Write every feature as its class mean plus a deviation,
h_i = hbar_k + e_i (sum of e_i over class k = 0), and use the isometric coordinates
u_k = sqrt(n_k) hbar_k (so |H|_F^2 = |U|_F^2 + |E|_F^2). For MSE the loss splits exactly,

    L = sum_k (n_k/N) l(W hbar_k + b, k) + R(U, W, b) + |W E|_F^2/(2N) + lambda_H/2 |E|_F^2,

and for CE the two blocks decouple at second order at E = 0 (the cross terms are sums of the e_i
over a class). The Hessian is therefore block diagonal at the minimiser: the E block is
W^T W/N + lambda_H (MSE) or W^T (diag p - p p^T) W/N + lambda_H (CE), both >= lambda_H, and the
(U, W, b) block is the Hessian of the reduced problem computed here (central differences of its
analytic gradient, written independently of the simulator's). The loss is invariant under the
rotations H -> Q_0 H, W_l -> Q_l W_l Q_{l-1}^T, W_M -> W_M Q_{M-1}^T (and, for CE with an
unregularised bias, b -> b + t 1); the Hessian vanishes along that orbit and every quantity the claims
check is invariant along it. So with mu the smallest Hessian eigenvalue transverse to the orbit
(:func:`gap`), a point with |grad L| <= tol lies within

    delta = tol / min(mu_reduced, lambda_H)

of the orbit of the minimiser, to first order in tol (the remainder is O(delta^2) times the third
derivative over mu: ~1e-16 relative here), and an invariant q moves by at most |grad q| delta
(:func:`jacobian`, row norms; matrix residuals use the spectral norm of their Jacobian).

Width: at the minimiser every layer lives in a K-dimensional subspace. A perturbation involving an
unused direction j enters the data term only at second order through its pairing with the used
ones, identically for every j (rotations among the unused directions are symmetries), and those
involving two unused directions only through the weight decay; every invariant checked has zero
first derivative along them. So the Hessian gap and the bounds at width d >= K + 1 equal those at
d = K + 1 (:func:`effective_width`; tests check d = 8 against d = 5), which keeps the paper
profile's d = 64 cheap.
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np

from theory import neural_collapse as theory

H_STEP = 1e-6      # central differences: O(h^2) ~ 1e-12 truncation, eps |g| / h ~ 1e-10 round-off
RANK_RTOL = 1e-9   # orbit generators below this fraction of the largest are numerically zero


def effective_width(d: int, K: int) -> int:
    """The width the bounds are computed at: K + 1 for d > K (see the module docstring), else K
    (d < K: no minimiser of the theory; only its frame is used, as a rival target)."""
    return K + 1 if d > K else K


@dataclasses.dataclass(frozen=True)
class Reduced:
    """The class-mean problem of one run: counts n_k, width d, depth M, weight decays, loss."""

    counts: tuple[int, ...]
    d: int
    M: int
    lam_w: float
    lam_h: float
    lam_b: float = 0.0
    ce: bool = False
    bias: bool = False

    @property
    def K(self) -> int:
        return len(self.counts)

    @property
    def size(self) -> int:
        """The number of parameters: U (d x K), W_1..W_{M-1} (d x d), W_M (K x d), b (K)."""
        d, K = self.d, self.K
        return d * K + (self.M - 1) * d * d + K * d + (K if self.bias else 0)

    def unpack(self, theta):
        d, K, M = self.d, self.K, self.M
        i = d * K
        U = theta[:i].reshape(d, K)
        Ws = theta[i:i + (M - 1) * d * d].reshape(M - 1, d, d)
        i += (M - 1) * d * d
        Wout = theta[i:i + K * d].reshape(K, d)
        b = theta[i + K * d:] if self.bias else np.zeros(K)
        return U, Ws, Wout, b

    def pack(self, U, Ws, Wout, b) -> np.ndarray:
        return np.concatenate([U.ravel(), Ws.ravel(), Wout.ravel()] + ([b] if self.bias else []))

    def grad(self, theta) -> np.ndarray:
        """Gradient of sum_k (n_k/N) l(W u_k/sqrt(n_k) + b, k) + lambda_W/2 sum |W_l|^2
        + lambda_H/2 |U|^2 + lambda_b/2 |b|^2 (l: squared error / 2 or cross-entropy)."""
        n = np.asarray(self.counts, float)
        U, Ws, Wout, b = self.unpack(theta)
        feats = [U / np.sqrt(n)]
        for l in range(self.M - 1):
            feats.append(Ws[l] @ feats[-1])
        Z = Wout @ feats[-1] + b[:, None]
        if self.ce:
            P = np.exp(Z - Z.max(0))
            Z = P / P.sum(0)
        R = (Z - np.eye(self.K)) * (n / n.sum())
        gWout = R @ feats[-1].T + self.lam_w * Wout
        G = Wout.T @ R
        gWs = np.zeros_like(Ws)
        for l in range(self.M - 2, -1, -1):
            gWs[l] = G @ feats[l].T + self.lam_w * Ws[l]
            G = Ws[l].T @ G
        return self.pack(G / np.sqrt(n) + self.lam_h * U, gWs, gWout, R.sum(1) + self.lam_b * b)

    def orbit(self, theta) -> np.ndarray:
        """Tangent vectors (columns) of the symmetry orbit through theta."""
        d, M = self.d, self.M
        U, Ws, Wout, b = self.unpack(theta)
        gens = []
        for j in range(M):                       # a rotation of the space after layer j
            for p in range(d):
                for q in range(p + 1, d):
                    A = np.zeros((d, d))
                    A[p, q], A[q, p] = 1.0, -1.0
                    dWs = np.zeros_like(Ws)
                    for l in range(1, M):        # Ws[l-1] maps space l-1 to space l
                        dWs[l - 1] += (A @ Ws[l - 1] if l == j else 0) - (
                            Ws[l - 1] @ A if l - 1 == j else 0)
                    gens.append(self.pack(A @ U if j == 0 else 0 * U, dWs,
                                          -Wout @ A if j == M - 1 else 0 * Wout, 0 * b))
        if self.ce and self.bias and self.lam_b == 0:
            gens.append(self.pack(0 * U, 0 * Ws, 0 * Wout, np.ones_like(b)))
        return np.array(gens).T


def jacobian(f, theta, h: float = H_STEP) -> np.ndarray:
    """d f / d theta by central differences (rows: the entries of f, flattened)."""
    cols = []
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = h
        cols.append((np.ravel(f(theta + e)) - np.ravel(f(theta - e))) / (2 * h))
    return np.array(cols).T


def gap(prob: Reduced, theta) -> float:
    """Smallest Hessian eigenvalue of the reduced problem transverse to the symmetry orbit, and
    no larger than lambda_H (the within-class block)."""
    H = jacobian(prob.grad, theta)
    H = (H + H.T) / 2
    T = prob.orbit(theta)
    if T.size:
        u, sv, _ = np.linalg.svd(T, full_matrices=False)
        V = u[:, sv > RANK_RTOL * sv[0]]             # orthonormal basis of the orbit's tangent
        Pc = np.eye(theta.size) - V @ V.T
        # in the basis [V, complement] this is diag(c I, Q^T H Q): its eigenvalues below c are
        # exactly those of the Hessian transverse to the orbit
        c = 1.0 + 10 * float(np.abs(H).sum(1).max())
        H = Pc @ H @ Pc + c * (V @ V.T)
    return float(min(np.linalg.eigvalsh(H)[0], prob.lam_h))


# ---- the minimisers ---------------------------------------------------------------------------
def _embed(A: np.ndarray, d: int) -> np.ndarray:
    """A K x K block in the top-left corner of a d x d matrix."""
    out = np.zeros((d, d))
    out[:A.shape[0], :A.shape[1]] = A
    return out


def point(prob: Reduced, layer: np.ndarray, means: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """theta with every hidden layer equal to ``layer`` (K x K, embedded), W_M = layer (K x d), and
    class means ``means`` (K x K, column k = hbar_k, embedded in R^d)."""
    n = np.asarray(prob.counts, float)
    K, d = prob.K, prob.d
    U = np.zeros((d, K))
    U[:K] = means * np.sqrt(n)
    Ws = np.stack([_embed(layer, d)] * (prob.M - 1)) if prob.M > 1 else np.zeros((0, d, d))
    Wout = np.zeros((K, d))
    Wout[:, :K] = layer
    return prob.pack(U, Ws, Wout, bias)


def minimiser(prob: Reduced) -> np.ndarray | None:
    """The global minimiser of theory.neural_collapse for this problem, or None where the theory
    has none (CE deep or imbalanced, a bias with imbalance or lambda_b > 0)."""
    K, M = prob.K, prob.M
    balanced = len(set(prob.counts)) == 1
    if not prob.ce and not prob.bias:
        geo = theory.class_geometry(prob.counts, M, prob.lam_w, prob.lam_h)
        s = geo["s2M"] ** (1 / (2 * M))
        return point(prob, np.diag(s), np.diag(geo["mean_norm"]), np.zeros(K))
    if not balanced or prob.lam_b > 0:
        return None
    P = np.eye(K) - 1.0 / K
    if not prob.ce:
        geo = theory.bias_geometry(prob.counts, M, prob.lam_w, prob.lam_h)
        c = geo["mean_norm"] / np.sqrt((K - 1) / K)
        return point(prob, geo["s2M"] ** (1 / (2 * M)) * P, c * P, np.full(K, geo["bias"]))
    if M != 1:
        return None
    geo = theory.ce_geometry(prob.counts, prob.lam_w, prob.lam_h)
    etf = np.sqrt(K / (K - 1)) * P                 # columns: unit simplex ETF vectors
    return point(prob, np.sqrt(geo["s2"]) * etf.T, geo["c"] * etf,
                 np.zeros(K))


# ---- the invariants the claims check ------------------------------------------------------------
def layers_of(prob: Reduced, theta):
    """(class means per layer l = 0..M-1, classifier C_l = W_M...W_{l+1} per layer)."""
    U, Ws, Wout, _ = prob.unpack(theta)
    means = [U / np.sqrt(np.asarray(prob.counts, float))]
    for l in range(prob.M - 1):
        means.append(Ws[l] @ means[-1])
    cls, C = [None] * prob.M, Wout
    for l in range(prob.M - 1, -1, -1):
        cls[l] = C
        if l:
            C = C @ Ws[l - 1]
    return means, cls


def closed_form(prob: Reduced, theta) -> dict[str, np.ndarray]:
    """W W^T, W Hbar (K x K) and |hbar_k| (K) at theta."""
    means, cls = layers_of(prob, theta)
    W = cls[0]
    return {"WWt": W @ W.T, "WHbar": W @ means[0], "norms": np.linalg.norm(means[0], axis=0)}


def frame_residual(G: np.ndarray, T: np.ndarray) -> np.ndarray:
    """G/|G|_F - T/|T|_F: a Gram against a target frame (zero iff proportional)."""
    return G / np.linalg.norm(G) - T / np.linalg.norm(T)


def duality_residual(C: np.ndarray, means: np.ndarray) -> np.ndarray:
    """C^T/|C|_F - Hbar/|Hbar|_F: NC3 (self-duality) as a matrix."""
    return C.T / np.linalg.norm(C) - means / np.linalg.norm(means)


@dataclasses.dataclass(frozen=True)
class Bound:
    """A run's minimiser and the distance ``delta`` within which a run stopped at |grad| <= tol
    lies from its orbit (mu: the Hessian gap)."""

    prob: Reduced
    theta: np.ndarray
    mu: float
    delta: float

    def row_bounds(self, f) -> np.ndarray:
        """|grad q_i| delta for every entry q_i of f(theta) (first order)."""
        return np.linalg.norm(jacobian(f, self.theta), axis=1) * self.delta

    def residual_bounds(self, f, parts: int) -> np.ndarray:
        """|J_r|_2 delta for each of ``parts`` equal blocks of a residual vector r with
        r(theta) = 0 (bounds on the Frobenius norm of each block)."""
        J = jacobian(f, self.theta)
        return np.array([np.linalg.norm(b, 2) for b in np.split(J, parts)]) * self.delta


@functools.lru_cache(maxsize=256)
def bound(prob: Reduced, tol: float) -> Bound | None:
    """The Bound of a run stopped at |grad| <= tol, or None where the theory has no minimiser."""
    theta = minimiser(prob)
    if theta is None:
        return None
    mu = gap(prob, theta)
    return Bound(prob, theta, mu, tol / mu if mu > 0 else np.inf)
