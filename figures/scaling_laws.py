"""Figure: neural scaling laws. Reads experiments of kinds ``mrs``, ``plrf``, ``chinchilla`` and
``compute_optimal`` and :mod:`theory.scaling_laws`; draws only (never simulates).

Panels (``PANELS``, each drawable alone with ``panel(name, experiments, ax)``):
(a) MRS random features: loss vs N (P >> N) and vs P (N >> P), with n^-alpha and the 1/n rival.
(b) the N = P spike of min-norm least squares, and ridge on the same features (its control).
(c) PLRF: Monte-Carlo SGD vs the exact expected-loss recursion and its two rivals (no noise term,
gamma / 2). (d) PLRF limit loss vs d with d^-2alpha and the rival branch d^-(2 alpha + 2 beta - 1).
(e) Chinchilla fit: data vs the fitted L(N, D) at a few D.
(f) compute-optimal exponents: measured minus predicted (x, y) of every compute_optimal experiment,
with its tolerance box, and where every other row of the phase table lies (grey).
(g) phase diagram in (alpha, beta): the boundaries of the seven rows, the simulated points coloured
by the row their measurement matches. (h) d*(f) of every experiment with its row's slope f^x.
Then one panel per compute_optimal experiment: loss vs compute f = r d for each d, with the
frontier P*(f) = min_d P(f/d, d) and f^-y.
"""
from __future__ import annotations

import numpy as np
from matplotlib.patches import Patch
from matplotlib.ticker import NullFormatter

from figures import style
from figures.style import SIM, THEORY, one, plt
from sims.scaling_laws.claims_co import MARGINS, exponents, tolerances
from theory import scaling_laws as theory

PHASE_COLORS = {"Ia": "C0", "II": "C1", "III": "C2", "Ib": "C4", "Ic": "C5", "IVa": "C6", "IVb": "C9"}

def _co(exps):
    """Every compute_optimal result, in the order of the phase table (Ia, II, III, Ib, ...)."""
    out = list(exps.of_kind("compute_optimal").values())
    if not out:
        one(exps, "compute_optimal")          # the clear error naming the missing kind
    order = list(theory.PHASE_TABLE)
    def rank(res):
        cfg = res.meta["config"]
        return order.index(theory.phase(cfg["alpha"], cfg["beta"]) or "Ia")
    return sorted(out, key=rank)


def _through(f, v, p):
    """The power law f^p through the points (f, v) in the least-squares sense (log scale)."""
    return np.exp(np.mean(np.log(v) - p * np.log(f))) * f**p


def mrs_loss(exps, ax):
    """(a) MRS: loss vs N at P >> N and vs P at N >> P, with n^-alpha and the 1/n rival."""
    mrs = one(exps, "mrs")
    al, n = mrs.meta["config"]["alpha"], mrs["n_grid"]
    for key, c, lab in (("loss_vs_N", "C0", "vs N (P >> N)"), ("loss_vs_P", "C3", "vs P (N >> P)")):
        ax.plot(n, mrs[key].mean(0), color=c, label=lab, **SIM)
    ax.plot(n, _through(n, mrs["loss_vs_N"].mean(0), -al), **THEORY,
            label=rf"$n^{{-\alpha}}$, $\alpha$={al:g}")
    ax.plot(n, _through(n, mrs["loss_vs_N"].mean(0), -1.0), color="grey", ls=":", lw=1,
            label=r"$n^{-1}$ (rival)")
    ax.set(xscale="log", yscale="log", xlabel="N or P", ylabel="test loss (mean over seeds)",
           title="(a) MRS random features")
    ax.legend()


def mrs_spike(exps, ax):
    """(b) the N = P spike (min-norm) and ridge on the same features."""
    mrs = one(exps, "mrs")
    q = mrs["spike_ratios"]
    ax.plot(q, np.median(mrs["loss_spike"], 0), color="C2", marker="o", label="min-norm")
    if "loss_spike_ridge" in mrs:
        ax.plot(q, np.median(mrs["loss_spike_ridge"], 0), color="C0", marker="s", ms=3,
                label=f"ridge {mrs.meta['config'].get('mrs_ridge')}")
    ax.axvline(1, color="grey", lw=0.6)
    ax.set(xscale="log", yscale="log", xlabel="N / P", ylabel="median test loss",
           title=f"(b) spike at N = P = {mrs.meta['config']['p_spike']}")
    ax.legend()


def plrf_sgd(exps, ax):
    """(c) PLRF: Monte-Carlo SGD vs the exact recursion and its rivals."""
    plrf = one(exps, "plrf")
    cfg = plrf.meta["config"]
    k = np.maximum(plrf["log_steps"], 0.5)
    ax.errorbar(k, plrf["mc_loss"], 2 * plrf["mc_se"], color="C1", label="SGD, Monte-Carlo", **SIM)
    ax.plot(k, plrf["exact_loss"], **THEORY, label="exact recursion")
    for key, ls, lab in (("gd_loss", "--", "no noise term (rival)"),
                         ("half_lr_loss", ":", r"$\gamma/2$ (rival)")):
        if key in plrf:
            ax.plot(k, plrf[key], color="grey", ls=ls, lw=1, label=lab)
    ax.set(xscale="log", yscale="log", xlabel="SGD steps", ylabel="expected loss",
           title=rf"(c) PLRF d={cfg['d']}, $\alpha$={cfg['alpha']:g}, $\beta$={cfg['beta']:g}")
    ax.legend()


def plrf_limit(exps, ax):
    """(d) PLRF limit loss vs d with d^-2alpha and the rival branch."""
    plrf = one(exps, "plrf")
    cfg = plrf.meta["config"]
    dg, lim = plrf["d_grid"], plrf["limit_loss"]
    m = lim.mean(1)
    ax.errorbar(dg, m, 2 * lim.std(1, ddof=1) / np.sqrt(lim.shape[1]), color="C4",
                label=r"$\min_\theta P$ (mean over W)", **SIM)
    ax.plot(dg, _through(dg, m, -2 * cfg["alpha"]), **THEORY, label=r"$d^{-2\alpha}$")
    ax.plot(dg, _through(dg, m, -(2 * cfg["alpha"] + 2 * cfg["beta"] - 1)), color="grey", ls=":",
            lw=1, label=r"$d^{-(2\alpha+2\beta-1)}$ (rival)")
    ax.set(xscale="log", yscale="log", xlabel="d", ylabel="limit loss", title="(d) PLRF limit loss")
    ax.legend()


def chinchilla(exps, ax):
    """(e) Chinchilla fit: data vs the fitted L(N, D) at a few D (the first noise draw)."""
    chin = one(exps, "chinchilla")
    N, D, L = chin["N"], chin["D"], np.atleast_2d(chin["L"])[0]
    E, A, B, a, b = np.atleast_2d(chin["fit"])[0]
    for i, Dv in enumerate(np.unique(D)[::4]):
        sel = D == Dv
        ax.plot(N[sel], L[sel], color=f"C{i}", **SIM)
        Ns = np.geomspace(N.min(), N.max(), 100)
        ax.plot(Ns, E + A / Ns**a + B / Dv**b, color=f"C{i}", lw=1, label=f"D={Dv:.1e}")
    ax.set(xscale="log", xlabel="N (parameters)", ylabel="L",
           title=f"(e) Chinchilla fit: b/(a+b)={b / (a + b):.3f}")
    ax.legend()


def _measured(res):
    cfg = res.meta["config"]
    ph = theory.phase(cfg["alpha"], cfg["beta"])
    m = exponents(res)
    if not ph or m is None:
        return cfg, ph, None, None
    tol, _ = tolerances(m, min(float(g(cfg["alpha"], cfg["beta"])) for g in MARGINS[ph]))
    return cfg, ph, m, tol


def co_exponents(exps, ax):
    """(f) measured minus predicted (x, y) per experiment, its tolerance box, the other rows."""
    for i, res in enumerate(_co(exps)):
        cfg, ph, m, tol = _measured(res)
        if m is None:
            continue
        px, py = theory.predicted(ph, cfg["alpha"], cfg["beta"])
        for j, (mv, pv, t) in enumerate(((m["x"], px, tol[0]), (m["y"], py, tol[1]))):
            pos = i + (j - 0.5) * 0.3
            ax.errorbar(pos, mv - pv, t, color=PHASE_COLORS[ph], marker="os"[j], ms=4, capsize=2)
            for k in theory.PHASE_TABLE:
                if k != ph:
                    r = theory.predicted(k, cfg["alpha"], cfg["beta"])[j]
                    if np.isfinite(r) and abs(r - pv) < 0.15:
                        ax.plot(pos, r - pv, "x", color="0.6", ms=4)
        ax.text(i, 0.16, ph, ha="center", fontsize=7, color=PHASE_COLORS[ph])
    ax.axhline(0, color="k", lw=0.6)
    ax.set(ylim=(-0.15, 0.18), xlabel="experiment (o: x, s: y)", xticks=[],
           ylabel="measured - own row", title="(f) exponents vs own row; x: other rows")


def phases(exps, ax):
    """(g) the phase diagram, with the simulated points coloured by the row they match."""
    a = np.linspace(0.0, 2.0, 801)
    eps = 1e-3
    for fac in theory.boundary_factors():
        kind, fn = theory.boundary_beta(fac)
        if kind == "alpha":
            b = np.linspace(0.0, 2.0, 801)
            keep = np.array([theory.phase(fn - eps, y) != theory.phase(fn + eps, y) for y in b])
            ax.plot(np.where(keep, fn, np.nan), b, "k", lw=0.9)
        else:
            b = np.broadcast_to(fn(a), a.shape).astype(float)
            keep = np.array([theory.phase(x, y - eps) != theory.phase(x, y + eps) for x, y in zip(a, b)])
            ax.plot(a, np.where(keep, b, np.nan), "k", lw=0.9)
    ax.fill_between(a, 0, np.clip(0.5 - a, 0, None), color="0.85")
    for res in _co(exps):
        cfg, ph, m, tol = _measured(res)
        if m is None:
            continue
        pred = {k: theory.predicted(k, cfg["alpha"], cfg["beta"]) for k in theory.PHASE_TABLE}
        hits = [k for k, p in pred.items() if np.all(np.abs(np.subtract((m["x"], m["y"]), p)) <= tol)]
        color = PHASE_COLORS[hits[0]] if len(hits) == 1 else "w"
        ax.plot(cfg["alpha"], min(cfg["beta"], 1.95), "o", color=color, ms=8, mec="k",
                label=f"({cfg['alpha']:g}, {cfg['beta']:g}): {'/'.join(hits) or 'no row'}")
    ax.set(xlim=(0.0, 2.0), ylim=(0.0, 2.0), xlabel=r"$\alpha$", ylabel=r"$\beta$",
           title="(g) phases: theory boundaries, measured points")
    _shade_phases(ax)
    handles, _ = ax.get_legend_handles_labels()
    handles += [Patch(facecolor=PHASE_COLORS[k], alpha=0.35, label=f"row {k}") for k in PHASE_COLORS]
    ax.legend(handles=handles, ncol=2)


def _shade_phases(ax, n: int = 201) -> None:
    """Each row's region of the (alpha, beta) plane in its colour (light), under the boundaries."""
    from matplotlib.colors import to_rgba
    g = np.linspace(0.0, 2.0, n)
    img = np.zeros((n, n, 4))
    for i, y in enumerate(g):
        for j, x in enumerate(g):
            name = theory.phase(x, y)
            if name in PHASE_COLORS:
                img[i, j] = to_rgba(PHASE_COLORS[name], 0.22)
    ax.imshow(img, extent=(0, 2, 0, 2), origin="lower", aspect="auto", zorder=0,
              interpolation="nearest")


def d_star(exps, ax):
    """(h) d*(f) of every compute_optimal experiment, with its row's slope."""
    for res in _co(exps):
        cfg, ph, m, _ = _measured(res)
        if m is None:
            continue
        ok = np.isfinite(res["d_star"])
        f, ds = res["f_grid"][ok], res["d_star"][ok]
        x = theory.predicted(ph, cfg["alpha"], cfg["beta"])[0]
        ax.plot(f, ds, "o", color=PHASE_COLORS[ph], ms=2, label=f"{ph}: x={m['x']:.3f}")
        ax.plot(f, _through(f, ds, x), color=PHASE_COLORS[ph], lw=0.8)
    ax.set(xscale="log", yscale="log", xlabel="compute f = r d", ylabel="d*(f)",
           title="(h) compute-optimal size; lines: own row")
    ax.legend(ncol=2, fontsize=6)


def compute_curves(res, ax, letter="i"):
    """Loss vs compute for each d of one experiment, the frontier P*(f) and its row's f^-y."""
    dg, steps, curves = res["d_grid"], res["steps"], res["curves"]
    every = max(1, len(dg) // 24)
    colors = plt.cm.viridis(np.linspace(0.1, 0.9, len(dg[::every])))
    for d, c, col in zip(dg[::every], curves[::every], colors):
        ax.plot(steps.astype(float) * float(d), c, color=col, lw=0.6)   # f = r d overflows int64
    cfg, ph, m, _ = _measured(res)
    ok = np.isfinite(res["d_star"])
    f, ls = res["f_grid"][ok], res["loss_star"][ok]
    if ph and ok.any():
        y = theory.predicted(ph, cfg["alpha"], cfg["beta"])[1]
        ax.plot(f, ls, "o", color="C3", ms=2, label=f"P*: y={m['y']:.3f}" if m else "P*")
        ax.plot(f, _through(f, ls, -y), **THEORY, label=f"$f^{{-{y:.3f}}}$ ({ph})")
        ax.set(xlim=(f.min() / 1e3, f.max() * 1e3), ylim=(ls.min() / 3, ls.max() * 30))
    ax.set(xscale="log", yscale="log", xlabel="compute f = r d", ylabel="expected loss",
           title=rf"({letter}) {ph}: $\alpha$={cfg['alpha']:g}, $\beta$={cfg['beta']:g}")
    ax.legend(loc="lower left")


def compute_first(exps, ax):
    """Loss vs compute of the first compute_optimal experiment."""
    compute_curves(_co(exps)[0], ax)


PANELS = {"mrs_loss": mrs_loss, "mrs_spike": mrs_spike, "plrf_sgd": plrf_sgd,
          "plrf_limit": plrf_limit, "chinchilla": chinchilla, "co_exponents": co_exponents,
          "phases": phases, "d_star": d_star, "compute": compute_first}


def panel(name, exps, ax=None):
    """Draw one panel (a key of ``PANELS``) into ``ax``; returns the axes."""
    return style.panel(PANELS, name, exps, ax)


def _plain_minor(fn):
    """``fn`` with no labels on minor ticks (log axes spanning less than a decade label them)."""
    def drawn(exps, ax):
        fn(exps, ax)
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_minor_formatter(NullFormatter())
    return drawn


def draw(exps):
    """The whole figure: (a)-(h), then one loss-vs-compute panel per compute_optimal experiment, on
    a grid that wraps to the current width (:func:`figures.style.use`)."""
    panels = list(PANELS.values())[:8]
    for i, res in enumerate(_co(exps)):
        panels.append(lambda e, ax, res=res, letter="ijklmnopqrst"[i]: compute_curves(res, ax, letter))
    return style.draw_panels([_plain_minor(fn) for fn in panels], exps)
