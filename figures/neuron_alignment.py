"""Figure: early neuron alignment (Min, Mallada & Vidal 2024). Reads result files; never simulates.

Reads the experiments of kinds ``trajectory``, ``eps_sweep``, ``n_mu_sweep`` and ``large_init``
(the last optional). Panels (``PANELS``, each drawable alone with ``panel(name, experiments, ax)``):
(a) angle of every neuron to x_+ (v > 0, red) or x_- (v < 0, blue) vs time, with the alignment and
escape times; (b) alignment and escape times vs log(1/eps) with the theory slope 1/lambda;
(c) alignment time in the paper's units (c t) vs log n / sqrt(mu), with Theorem 1's t_1 (lower
estimate, min{zeta, xi} = 1) and the large-n law t* of theory (v) at each run's initial cosines;
(d) loss vs time, log-log, with a 1/t guide and the large-init contrast; (e) singular values of W.
"""
from __future__ import annotations

import numpy as np

from figures import style
from figures.style import SIM, THEORY, one, plt
from sims.neuron_alignment import ALIGN_COS
from sims.neuron_alignment.claims import INIT_SHARES
from theory import neuron_alignment as theory


def _times(res):
    t, loss, ok = res["t"], res["loss"], res["all_ok"]
    return t[np.argmax(ok)], t[np.argmax(loss <= 0.5 * loss[0])]


def _scales(res):
    """c per n (column): the paper's times are c times the run's."""
    ns = np.asarray(res["n"], float)[:, None]
    return np.ones_like(ns) if res.meta["config"]["reduction"] == "sum" else 1.0 / ns


def directions(exps, ax):
    """(a) angle of every neuron to its own data centre vs time."""
    base = one(exps, "trajectory")
    st, v = base["snap_t"], base["v_t"][0]
    ang = np.degrees(np.arccos(np.clip(np.where(v[None, :] > 0, base["cos_plus"],
                                                base["cos_minus"]), -1, 1)))
    alive = base["neuron_class"][-1] != 0
    for j in range(ang.shape[1]):
        ax.plot(st[1:], ang[1:, j], color="C3" if v[j] > 0 else "C0", lw=0.6,
                alpha=0.9 if alive[j] else 0.25, ls="-" if alive[j] else ":")
    ta, te = _times(base)
    ax.axvline(ta, color="k", lw=0.8, label=f"all aligned/dead, t={ta:.3g}")
    ax.axvline(te, color="grey", ls="--", lw=0.8, label=f"escape (L=L0/2), t={te:.3g}")
    ax.set(xscale="log", xlabel="t", ylabel="angle to own data centre (deg)", ylim=(0, 180),
           xlim=(st[1], 10 * te),
           title=f"(a) neuron directions (eps={base['eps'][0]:g}; dotted: dead)")
    ax.legend(loc="upper right")


def times_vs_eps(exps, ax):
    """(b) alignment and escape times vs log(1/eps), with the slope 1/lambda."""
    sweep = one(exps, "eps_sweep")
    L = np.log(1 / sweep["eps"])
    ta, te, lam = sweep["t_align"][0, 0], sweep["t_escape"][0, 0], sweep["lam"][0, 0, 0]
    ax.plot(L, ta, color="C2", label="alignment time", **SIM)
    ax.plot(L, te, color="C1", marker="s", ls="none", label="escape time")
    grid = np.linspace(L.min() * 0.9, L.max() * 1.05, 50)
    ax.plot(grid, te[0] + (grid - L[0]) / lam, **THEORY, label=r"slope $1/\lambda$ (theory)")
    ax.set(xlabel=r"$\log(1/\epsilon)$", ylabel="t (run units)", title="(b) times vs init scale")
    ax.legend()


def alignment_time(exps, ax):
    """(c) alignment time in the paper's units against Theorem 1's t_1 and the large-n law."""
    grid = one(exps, "n_mu_sweep")
    ns, mus = grid["n"], grid["mu"]
    c = _scales(grid)
    shape = (np.log(ns)[:, None] / np.sqrt(mus)[None, :]).ravel()
    order = np.argsort(shape)
    ax.plot(shape, (c * grid["t_align"][:, :, 0]).ravel(), color="C2",
            label="measured (paper units)", **SIM)
    bound = theory.align_time_bound(ns[:, None].astype(float), mus[None, :],
                                    grid["x_min"][:, :, 0]).ravel()
    ax.plot(shape[order], bound[order], **THEORY,
            label=r"Thm 1 $t_1$, $\min\{\zeta,\xi\}=1$ (lower est.)")
    t_star = c * theory.large_n_align_time(grid["init_cos"][:, :, 0],
                                           grid["centre_rate"][:, :, 0], ALIGN_COS)
    ax.plot(shape, t_star.ravel(), marker="x", ls="none", color="k",
            label=r"large-$n$ law $t^*$ (theory (v))")
    ax.set(yscale="log", xlabel=r"$\log n / \sqrt{\mu}$", ylabel="alignment time (paper units)",
           title=f"(c) n in {ns.tolist()}, mu in {mus.tolist()}")
    ax.legend(fontsize="small")


def loss(exps, ax):
    """(d) loss vs time with a 1/t guide and the large-init contrast."""
    base = one(exps, "trajectory")
    large = exps.control("large_init", base, INIT_SHARES)     # the claims' control
    runs = [(base, f"eps={base['eps'][0]:g}", "C3")]
    if large is not None:
        runs.append((large, f"eps={large['eps'][0]:g} (large)", "C7"))
    for res, label, color in runs:
        ok = res["t"] > 0
        ax.plot(res["t"][ok], res["loss"][ok], color=color, label=label)
    t = base["t"][base["t"] > 0]
    late = t[t > t[-1] / 1e3]
    ax.plot(late, base["loss"][-1] * t[-1] / late, **THEORY, label="1/t guide")
    ax.set(xscale="log", yscale="log", xlabel="t (run units)", ylabel="loss", title="(d) loss")
    ax.legend()


def singular_values(exps, ax):
    """(e) the singular values of W along the trajectory."""
    base = one(exps, "trajectory")
    st, sv = base["snap_t"], base["svals"]
    for k in range(min(6, sv.shape[1])):
        ax.plot(st[1:], sv[1:, k], label=f"s{k + 1}" if k < 3 else None)
    ax.set(xscale="log", yscale="log", xlabel="t", ylabel="singular values of W",
           title=f"(e) stable rank at end {float(base['stable_rank'].ravel()[0]):.3f}")
    ax.legend()


PANELS = {"directions": directions, "times_vs_eps": times_vs_eps,
          "alignment_time": alignment_time, "loss": loss, "singular_values": singular_values}


def panel(name, exps, ax=None):
    """Draw one panel (a key of ``PANELS``) into ``ax``; returns the axes."""
    return style.panel(PANELS, name, exps, ax)


def draw(exps):
    """The whole figure: every panel of ``PANELS`` on a grid that wraps to the current width
    (:func:`figures.style.use`)."""
    return style.draw_panels(list(PANELS.values()), exps)
