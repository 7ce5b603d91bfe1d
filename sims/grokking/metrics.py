"""Grokking: measurements on the weights (spectra, energies, strongest nodes), the stage criteria and
the independent stage-II ascent. Pure numpy on the host; they read results, never train."""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from theory import grokking as theory

SPECIALISED = 0.5       # a node "has a dominant frequency" when its IPR_2 >= 0.5
TINY_NORM = 1e-150      # below this the squares of a row's entries may underflow (1e-300 and less)


def unit_rows(W: np.ndarray) -> np.ndarray:
    """Every row of W scaled to unit norm; an all-zero row stays zero. A row with |w| < TINY_NORM
    is first divided by its largest |entry|, since its norm (a sum of squares) underflows: nodes
    that weight decay drives towards 0 over a long run (issue 20: ~150 of K = 512 after 7,000
    steps) would otherwise be "normalised" by 0 or a denormal and give inf/NaN energies."""
    W = np.asarray(W, float)
    n = np.linalg.norm(W, axis=1, keepdims=True)
    tiny = n[:, 0] < TINY_NORM
    out = W / np.where(tiny[:, None], 1.0, n)
    if np.any(tiny):
        m = np.max(np.abs(W[tiny]), axis=1, keepdims=True)
        scaled = W[tiny] / np.where(m > 0, m, 1.0)
        sn = np.linalg.norm(scaled, axis=1, keepdims=True)
        out[tiny] = scaled / np.where(sn > 0, sn, 1.0)
    return out


def strength(W: np.ndarray, V: np.ndarray) -> np.ndarray:
    """|w_j| |V e_j| per hidden node j (its weight in the output)."""
    return np.linalg.norm(W, axis=1) * np.linalg.norm(V, axis=0)


def share(tot: np.ndarray) -> np.ndarray:
    """Each row's power as a share of its total (the normalised spectrum); 0 for a zero row."""
    total = tot.sum(1, keepdims=True)
    return tot / np.where(total > 0, total, 1.0)


DEAD = 1e-6             # a node is dead when its strength is below DEAD x the strongest node's


def top_nodes(W, V, frac) -> np.ndarray:
    """Indices (sorted) of the strongest ``frac`` of the K nodes, at least one, leaving out dead
    nodes (strength < DEAD x the largest). Weight decay drives the nodes that carry no feature to
    0: ~60 of K = 256 at the quick size, 154 survive of K = 2048 at the paper's (Fig. 3), where
    the strengths fall from > 0.1 to < 1e-9 of the largest with nothing in between; a dead
    node's direction is noise, and a quarter of K = 2048 would be mostly such nodes."""
    s = strength(W, V)
    k = max(1, int(round(frac * W.shape[0])))
    order = np.argsort(s)[-k:]
    alive = order[s[order] >= DEAD * s.max()] if s.max() > 0 else order
    return np.sort(alive if alive.size else order[-1:])


def _scaled_tiny(W: np.ndarray) -> np.ndarray:
    """W with its rows of norm < TINY_NORM taken at unit norm (:func:`unit_rows`)."""
    W = np.asarray(W, float)
    tiny = np.linalg.norm(W, axis=1) < TINY_NORM
    if np.any(tiny):
        W = W.copy()
        W[tiny] = unit_rows(W[tiny])
    return W


class Spectra(NamedTuple):
    """Power per node and irrep class [node, irrep] (Z_M: folded Fourier frequencies): ``total``
    and its parts from the a- and b-halves of the weights, ``a`` and ``b``."""

    total: np.ndarray
    a: np.ndarray
    b: np.ndarray


def spectra(W: np.ndarray, M: int, group: str = "cyclic") -> Spectra:
    """The :class:`Spectra` of W's rows.
    Rows with |w| < TINY_NORM are taken at unit norm (see :func:`unit_rows`): their power would
    underflow, and shares, IPR and dominant classes do not depend on a row's scale."""
    W = _scaled_tiny(W)
    pa, pb = (theory.folded_spectrum(W, M) if group == "cyclic"
              else theory.irrep_spectrum(W, M, group))
    return Spectra(pa + pb, pa, pb)


def node_energy(W: np.ndarray, M: int, act: str, X=None, Yt=None, group="cyclic") -> np.ndarray:
    """E(w/|w|) / (M/4) per node on the full data (Fourier form for sqr on Z_M)."""
    Wn = unit_rows(W)
    if act == "sqr" and group == "cyclic":
        return theory.fourier_energy(Wn, M) / theory.energy_max(M)
    return theory.energy(Wn, X, Yt, act) / theory.energy_max(M)


def spectra_and_energy(W, M: int, act: str, X=None, Yt=None, group="cyclic"):
    """(:func:`spectra`'s total power, :func:`node_energy`) from one DFT of W where the energy
    has the Fourier form (sqr on Z_M): the power of w/|w| is P / |w|^2 with |w|^2 =
    sum_k (Pa_k + Pb_k) / M (Parseval), on the rows :func:`spectra` uses."""
    if not (act == "sqr" and group == "cyclic"):
        return spectra(W, M, group).total, node_energy(W, M, act, X, Yt, group)
    Pa, Pb = theory.power_spectra(_scaled_tiny(W), M)
    tot = theory.fold_power(Pa, M) + theory.fold_power(Pb, M)
    n2 = (Pa.sum(1, keepdims=True) + Pb.sum(1, keepdims=True)) / M
    unit = np.where(n2 > 0, n2, 1.0)            # the power of w/|w| (|w|^4 itself may underflow)
    return tot, theory.power_energy(Pa / unit, Pb / unit, M) / theory.energy_max(M)


def gf_stats(R, V, F, Yt, Q):
    """|G_F|, fraction of |G_F|^2 in col(Ytil), cos(G_F, Ytil Ytil^T F), for G_F = -(2/N) R V
    (R: N x M residuals, V: M x K, F: N x K hidden activations, Ytil: N x M, Q: basis of
    col(Ytil)). Only M x M and M x K products are formed: |G_F|^2 = c^2 <R^T R, V V^T>,
    |Q^T G_F|^2 = c^2 <(Q^T R)^T (Q^T R), V V^T>, and with A = Ytil^T F, B = Ytil^T G_F =
    c (Ytil^T R) V: <G_F, Ytil A> = <B, A>, |Ytil A|^2 = <A, (Ytil^T Ytil) A>."""
    c = -2.0 / R.shape[0]
    VV = V @ V.T
    n2 = c * c * max(float(np.sum((R.T @ R) * VV)), 0.0)
    QR = Q.T @ R
    lab = c * c * float(np.sum((QR.T @ QR) * VV)) / max(n2, 1e-300)
    A = Yt.T @ F
    s2 = float(np.sum(A * ((Yt.T @ Yt) @ A)))
    BA = c * float(np.sum((Yt.T @ R) * (A @ V.T)))
    cos = BA / max(math.sqrt(n2 * max(s2, 0.0)), 1e-300)
    return math.sqrt(n2), lab, cos


def accuracy(O, y):
    return float(np.mean(np.argmax(O, axis=1) == y))


# the stage criteria (the claims state them from here)
MEM_TEST = 2.0          # a clean stage I: test accuracy at t_mem <= MEM_TEST x chance (1/M)
MEM_IPR = 0.05          # ... and the top-node IPR within MEM_IPR of its initial value
FEAT_RISE = 0.1         # t_feat: the top-node IPR has risen by FEAT_RISE over its initial value
GROK_ACC = 0.95         # t_grok: test accuracy >= GROK_ACC


class Stages(NamedTuple):
    """The Li2 stage boundaries of a run (:func:`detect_stages`): record steps ``t_mem``,
    ``t_feat``, ``t_grok`` (nan if not reached) and their record indices ``i_mem``, ``i_feat``,
    ``i_grok`` (None if not reached); ``clean_mem`` (a clean stage I), ``ordered`` (t_mem < t_feat
    < t_grok) and ``delay`` = t_grok - t_mem."""

    t_mem: float
    t_feat: float
    t_grok: float
    clean_mem: bool
    ordered: bool
    delay: float
    i_mem: int | None
    i_feat: int | None
    i_grok: int | None


STAGE_CRITERIA = (f"t_mem (train acc 100%, test <= {MEM_TEST:g}/M, top-node IPR within "
                  f"{MEM_IPR:g} of init) < t_feat (top-node IPR >= init + {FEAT_RISE:g}) < t_grok "
                  f"(test acc >= {GROK_ACC:g})")


def detect_stages(steps, train_acc, test_acc, ipr_top, M, feat_rise=FEAT_RISE, mem_ipr=MEM_IPR,
                  grok_acc=GROK_ACC) -> Stages:
    """Stage boundaries (record steps; nan if not reached) by the criteria of the claims
    (:data:`STAGE_CRITERIA`): t_mem: first record with train accuracy 100%; it is a clean stage I
    if there test accuracy <= MEM_TEST/M (chance 1/M) and the strongest nodes' mean IPR is within
    ``mem_ipr`` of its initial value; t_feat: first record after t_mem whose top-node IPR exceeds
    the initial one by ``feat_rise``; t_grok: first record with test accuracy >= ``grok_acc``."""
    steps = np.asarray(steps, float)

    def first(mask, after=-1):
        idx = np.flatnonzero(np.asarray(mask) & (np.arange(len(steps)) > after))
        return int(idx[0]) if idx.size else None

    i_mem = first(np.asarray(train_acc) >= 1.0)
    i_feat = first(np.asarray(ipr_top) >= ipr_top[0] + feat_rise,
                   after=i_mem if i_mem is not None else len(steps))
    i_grok = first(np.asarray(test_acc) >= grok_acc)
    at = lambda i: float(steps[i]) if i is not None else math.nan   # noqa: E731
    clean = (i_mem is not None and test_acc[i_mem] <= MEM_TEST / M
             and ipr_top[i_mem] <= ipr_top[0] + mem_ipr)
    t = (at(i_mem), at(i_feat), at(i_grok))
    ordered = bool(all(np.isfinite(t)) and t[0] < t[1] < t[2])
    return Stages(t[0], t[1], t[2], bool(clean), ordered, t[2] - t[0], i_mem, i_feat, i_grok)


def independent_ascent(W0: np.ndarray, X, Yt, act: str, steps: int, lr: float) -> np.ndarray:
    """Stage II on its own: every node ascends E (training data) on the unit sphere,
    w <- normalise(w + lr grad E(w) / (4 E_ref)), E_ref = E of a Fourier feature on the same data
    (at a maximum grad E = 4 E w for sqr, so lr is the relative step there)."""
    M = X.shape[1] // 2
    e_ref = float(theory.energy(theory.fourier_feature(M, 1)[None, :], X, Yt, act)[0])
    from scipy import sparse        # here, not at import (scipy.sparse: every process's start)
    Xs = sparse.csr_matrix(X)       # one-hot rows: X W^T and D^T X as a gather and a scatter-add
    W = unit_rows(W0)
    for _ in range(steps):
        W = unit_rows(W + lr / (4 * e_ref) * theory.energy_grad(W, Xs, Yt, act))
    return W


def dominant(W: np.ndarray, M: int, group: str = "cyclic") -> np.ndarray:
    """Each row's dominant non-trivial irrep class (Z_M: frequency k in 1..(M-1)/2)."""
    return np.argmax(spectra(W, M, group).total[:, 1:], axis=1) + 1


class NodeFates(NamedTuple):
    """Per node of one stage2 network [node]: the dominant frequency of its ``final`` weights, of
    the independent ``ascent``'s endpoint and of the ``start`` weights, and whether it is
    ``specialised`` at the end (IPR >= SPECIALISED)."""

    final: np.ndarray
    ascent: np.ndarray
    start: np.ndarray
    specialised: np.ndarray


def node_fates(W_final: np.ndarray, W_indep: np.ndarray, W_start: np.ndarray, M: int) -> NodeFates:
    """The :class:`NodeFates` of one network from its weights [node, input]."""
    spec = theory.ipr(spectra(W_final, M).total) >= SPECIALISED
    return NodeFates(dominant(W_final, M), dominant(W_indep, M), dominant(W_start, M), spec)


def discordant(fates: NodeFates, own: str, rival: str) -> tuple[int, int]:
    """McNemar's discordant counts (a, b) over the specialised nodes where the predictions
    ``own`` and ``rival`` (fields of :class:`NodeFates`: "ascent", "start") differ: a nodes end
    where ``own`` says, b where ``rival`` does."""
    p, q = getattr(fates, own), getattr(fates, rival)
    disc = (p != q) & fates.specialised
    return int(np.sum(disc & (fates.final == p))), int(np.sum(disc & (fates.final == q)))


class NodeReport(NamedTuple):
    """Per strongest node of a Z_M network [node]: ``ipr`` (IPR_2 over frequency classes), the
    dominant a-, b- and total frequency ``fa``, ``fb``, ``ftot`` (k >= 1), ``E`` = E(w/|w|)/(M/4)
    on all pairs, ``rgrad`` = |grad_sphere E| / |grad E|; and ``tot`` [node, frequency class],
    the power per class."""

    ipr: np.ndarray
    fa: np.ndarray
    fb: np.ndarray
    ftot: np.ndarray
    E: np.ndarray
    rgrad: np.ndarray
    tot: np.ndarray


def node_report(W, V, M, frac) -> NodeReport:
    """The :class:`NodeReport` of the strongest ``frac`` of the nodes of (W, V) on Z_M."""
    top = top_nodes(W, V, frac)
    tot, pa, pb = spectra(W[top], M)
    Wn = unit_rows(W[top])
    X, _, Yt = theory.dataset(M)
    g = theory.energy_grad(Wn, X, Yt)
    rg = np.linalg.norm(g - np.sum(g * Wn, 1)[:, None] * Wn, axis=1) / np.linalg.norm(g, axis=1)
    return NodeReport(theory.ipr(tot), np.argmax(pa[:, 1:], 1) + 1, np.argmax(pb[:, 1:], 1) + 1,
                      np.argmax(tot[:, 1:], 1) + 1,
                      theory.fourier_energy(Wn, M) / theory.energy_max(M), rg, tot)
