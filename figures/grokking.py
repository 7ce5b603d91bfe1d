"""Figure: grokking on Z_M and the three Li2 stages (Tian 2025, arXiv:2509.21519).

Reads the experiments of kinds ``grok``, ``no_decay``, ``shuffled``, ``stage2``, ``sweep`` and
``dihedral`` and theory.grokking; draws only (never simulates). Panels (``PANELS``, each drawable
alone with ``panel(name, experiments, ax)``):
(a) train/test accuracy vs step with the detected stage times (memorised, features rising, test
jump); the no-decay and shuffled-label controls' test accuracy dashed / dotted;
(b) heatmap over time of each stored node's power share in its final dominant frequency;
(c) E(w/|w|)/(M/4) of the strongest nodes at init, end of stage I and final, and of the stage-II
independent-ascent endpoints, against the maximum 1;
(d) stage II: on the nodes where the ascent and the no-ascent null disagree, how many end where
each predicts, per network;
(e) bisected minimal training fraction vs M, with ln M / M and the rival laws fitted to it;
(f) the non-abelian run (D_n): power share of each strongest node in each irreducible
representation, nodes grouped by their dominant irrep.
"""
from __future__ import annotations

import numpy as np

from figures import style
from figures.style import SIM, THEORY, one, plt
from sims.grokking import claims_sweep, metrics
from sims.grokking.claims import NO_DECAY_SHARES, SHUFFLED_SHARES
from theory import grokking as theory


def stages(exps, ax):
    """(a) accuracies and top-node IPR of the grok run, stage times, the controls' test accuracy."""
    grok = one(exps, "grok")
    cfg = grok.meta["config"]
    t = grok["step"]
    ax.plot(t, grok["train_acc"], color="C0", label="train (wd)")
    ax.plot(t, grok["test_acc"], color="C1", label="test (wd)")
    for kind, ls, share in (("no_decay", "--", NO_DECAY_SHARES),
                            ("shuffled", ":", SHUFFLED_SHARES)):
        ctrl = exps.control(kind, grok, share)       # the run the claims contrast it with
        if ctrl is not None:
            ax.plot(ctrl["step"], ctrl["test_acc"], color="C1", ls=ls, label=f"test ({kind})")
    ax.plot(t, grok["ipr_top"], color="C2", label="top-node IPR")
    st = metrics.detect_stages(t, grok["train_acc"], grok["test_acc"], grok["ipr_top"], cfg["M"])
    for key, lab, ls in (("t_mem", "stage I ends (memorised)", ":"),
                         ("t_feat", "stage II (features rise)", "--"),
                         ("t_grok", "stage III (test jump)", "-.")):
        when = getattr(st, key)
        if np.isfinite(when):
            ax.axvline(when, color="grey", lw=0.8, ls=ls, label=lab)
    ax.set_xscale("symlog", linthresh=10)
    ax.set(xlim=(0, t[-1]), xlabel="step", ylabel="accuracy / IPR", ylim=(-0.05, 1.05),
           title=f"(a) M={cfg['M']}, p={cfg['train_fraction']}, delay {st.delay:g}")
    ax.legend(loc="center right")


def concentration(exps, ax):
    """(b) power share of each stored node's final frequency over time, by final strength."""
    grok = one(exps, "grok")
    t, spec = grok["step"], grok["spectra"]                  # (records, S, classes)
    S = spec.shape[1]
    W, V = grok["W_final"][:S], grok["V_final"][:, :S]
    order = np.argsort(-metrics.strength(W, V))[:48]
    dom = np.argmax(spec[-1][order][:, 1:], axis=1) + 1
    share = spec[:, order, :][:, np.arange(len(order)), dom].T
    im = ax.imshow(share, aspect="auto", origin="lower", cmap="viridis", vmin=0, vmax=1,
                   extent=[t[0], t[-1], 0, len(order)])
    ax.figure.colorbar(im, ax=ax, label="power share of final frequency")
    ax.set(xlabel="step", ylabel="node (by final strength)", title="(b) Fourier concentration")


def energy(exps, ax):
    """(c) E/(M/4) of the strongest nodes over training and of the stage-II ascent endpoints."""
    grok = one(exps, "grok")
    M, frac = grok.meta["config"]["M"], grok.meta["config"]["top_fraction"]
    bins = np.linspace(0, 1.05, 43)
    for key, lab, c in (("init", "init", "C7"), ("mem", "end of stage I", "C0"),
                        ("final", "final", "C3")):
        W, V = grok[f"W_{key}"], grok[f"V_{key}"]
        top = metrics.top_nodes(W, V, frac)
        ax.hist(metrics.node_energy(W[top], M, "sqr"), bins=bins, alpha=0.5, color=c, label=lab)
    st2 = exps.first("stage2")
    if st2 is not None:
        M2 = st2.meta["config"]["M"]
        E = np.concatenate([metrics.node_energy(W, M2, "sqr") for W in st2["W_indep"]])
        ax.hist(E, bins=bins, histtype="step", color="k", weights=np.full(E.size, 0.25),
                label="indep. ascent (stage2, x1/4)")
    ax.axvline(1.0, **THEORY, label="max of E: M/4")
    ax.set(xlabel=r"$E(w/|w|)\,/\,(M/4)$", ylabel="nodes", title="(c) energy of the nodes")
    ax.legend(loc="upper center")


def stage2(exps, ax):
    """(d) discordant nodes: final frequency = the ascent's vs = the start's, per network."""
    res = one(exps, "stage2")
    M = res.meta["config"]["M"]
    a, b = zip(*(metrics.discordant(metrics.node_fates(res["W_final"][s], res["W_indep"][s],
                                                        res["W_start"][s], M), "ascent", "start")
                 for s in range(res["W_final"].shape[0])))
    x = np.arange(len(a))
    ax.bar(x - 0.2, a, 0.4, color="C3", label="ends at the ascent's frequency")
    ax.bar(x + 0.2, b, 0.4, color="C7", label="keeps its start frequency")
    ax.set(xticks=x, xlabel="network (seed)", ylabel="discordant nodes",
           title=f"(d) stage II from step {float(np.median(res['step_start'])):g}")
    ax.legend(loc="upper right")


def threshold(exps, ax):
    """(e) bisected threshold vs M (log-log) with ln M / M and the rival laws fitted to it."""
    res = one(exps, "sweep")
    Ms = res["M"].astype(float)
    T, _ = claims_sweep.thresholds(res)
    for s in range(T.shape[1]):
        ax.plot(Ms, T[:, s], color="C0", label="bisected threshold" if s == 0 else None, **SIM)
    dense = np.geomspace(Ms.min() * 0.9, Ms.max() * 1.1, 100)
    found = np.isfinite(T) & (T > 0)
    mean = np.exp(np.nanmean(np.where(found, np.log(np.where(found, T, 1.0)), np.nan), axis=1)) \
        if found.any() else np.full(len(Ms), np.nan)
    ok = np.isfinite(mean)
    for i, name in enumerate(theory.THRESHOLD_LAWS if ok.any() else ()):
        f = theory.law(name)
        c = np.exp(np.mean(np.log(mean[ok] / f(Ms[ok]))))
        style_kw = THEORY if name == theory.PREDICTED_LAW else dict(ls="--", lw=0.8, color=f"C{i + 1}")
        ax.plot(dense, c * f(dense), label=name, **style_kw)
    fit = claims_sweep.exponent(res)
    s, se = fit.slope, fit.se
    ax.set(xscale="log", yscale="log" if ok.any() else "linear", xlabel="M",
           ylabel="training fraction",
           title=f"(e) threshold: exponent {s:.2f} +- {se:.2f}")
    ax.set_xticks(Ms, [f"{m:g}" for m in Ms], minor=False)
    ax.set_xticks([], minor=True)
    ax.legend(fontsize=6)


def dihedral(exps, ax):
    """(f) D_n: power share of the strongest nodes in each irrep, grouped by dominant irrep."""
    res = one(exps, "dihedral")
    Md, frac = res.meta["config"]["M"], res.meta["config"]["top_fraction"]
    W, V = res["W_final"], res["V_final"]
    tot, _, _ = metrics.spectra(W[metrics.top_nodes(W, V, frac)], Md, "dihedral")
    share = metrics.share(tot)
    share = share[np.lexsort((-share.max(1), np.argmax(share, 1)))]
    ax.imshow(share, aspect="auto", origin="lower", cmap="viridis", vmin=0, vmax=1,
              interpolation="nearest")
    labels = ["triv", "sign"] + [rf"$\rho_{k}$" for k in range(1, share.shape[1] - 1)]
    ax.set_xticks(range(share.shape[1]), labels, fontsize=7)
    ax.set(xlabel="irrep of $D_{%d}$" % (Md // 2), ylabel="strongest nodes",
           title=f"(f) $D_{{{Md // 2}}}$: test acc {res['test_acc'][-1]:.2f}")


PANELS = {"stages": stages, "concentration": concentration, "energy": energy, "stage2": stage2,
          "threshold": threshold, "dihedral": dihedral}


def panel(name, exps, ax=None):
    """Draw one panel (a key of ``PANELS``) into ``ax``; returns the axes."""
    return style.panel(PANELS, name, exps, ax)


def draw(exps):
    """The whole figure: every panel of ``PANELS`` on a grid that wraps to the current width
    (:func:`figures.style.use`)."""
    return style.draw_panels(list(PANELS.values()), exps)
