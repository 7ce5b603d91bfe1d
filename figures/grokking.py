"""Figure: grokking on Z_M and the three Li2 stages (Tian 2025, arXiv:2509.21519).

Reads the ``grok``, ``no_decay``, ``stage2``, ``sweep`` and ``dihedral`` result files and theory.grokking; draws only.
(a) train/test accuracy vs step with the detected stage times: memorised (end of stage I), Fourier
concentration rising (stage II) and the test-accuracy jump (stage III); no weight decay dashed;
(b) heatmap over time of each stored node's power share in its final dominant frequency, nodes sorted
by final strength; (c) the energy landscape: E(w/|w|)/(M/4) of the strongest nodes at init, end of
stage I, final, and the independent stage-II ascent endpoints, against the theory maximum 1;
(d) bisected minimal training fraction vs M with the scaling law p*(M) = 2.7482 ln M / M;
(e) the non-abelian run (``dihedral``, D_n): power share of each strongest node in each irreducible
representation (theory.irrep_spectrum), nodes grouped by their dominant irrep.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from figures import style  # noqa: E402
from figures.style import SIM, THEORY, plt  # noqa: E402
from sims.grokking import detect_stages, node_report, spectra, top_nodes  # noqa: E402
from theory import grokking as theory  # noqa: E402


def draw(grok, no_decay, stage2, sweep, dihedral):
    fig, axes = plt.subplots(1, 5, figsize=(18.5, 3.4), constrained_layout=True,
                             gridspec_kw={"width_ratios": [1, 1.15, 1, 1, 0.8]})
    M = grok.meta["config"]["M"]
    ax = axes[0]
    t = grok["step"]
    ax.plot(t, grok["train_acc"], color="C0", label="train (wd)")
    ax.plot(t, grok["test_acc"], color="C1", label="test (wd)")
    ax.plot(no_decay["step"], no_decay["test_acc"], color="C1", ls="--", label="test (no wd)")
    ax.plot(t, grok["ipr_top"], color="C2", label="top-node IPR")
    st = detect_stages(t, grok["train_acc"], grok["test_acc"], grok["ipr_top"], M)
    # detected stage times: memorised (end of I), features rising (II), test jump (III)
    for key, lab in (("t_mem", "mem (I)"), ("t_feat", "feat (II)"), ("t_grok", "grok (III)")):
        if np.isfinite(st[key]):
            ax.axvline(st[key], color="grey", lw=0.8, ls=":")
            ax.text(st[key], 1.03, lab, fontsize=6.5, ha="center", va="bottom", color="dimgrey")
    ax.set_xscale("symlog", linthresh=10)
    ax.set(xlim=(0, t[-1]), xlabel="step", ylabel="accuracy / IPR",
           ylim=(-0.05, 1.12),
           title=f"(a) M={M}, p={grok.meta['config']['train_fraction']}, delay {st['delay']:g}")
    ax.legend(loc="center right")

    ax = axes[1]
    spec = grok["spectra"]                                  # (records, S, classes)
    S = spec.shape[1]
    W, V = grok["W_final"][:S], grok["V_final"][:S]
    order = np.argsort(-np.linalg.norm(W, axis=1) * np.linalg.norm(V, axis=0))[:48]
    dom = np.argmax(spec[-1][order][:, 1:], axis=1) + 1
    share = spec[:, order, :][:, np.arange(len(order)), dom].T
    im = ax.imshow(share, aspect="auto", origin="lower", cmap="viridis", vmin=0, vmax=1,
                   extent=[t[0], t[-1], 0, len(order)])
    fig.colorbar(im, ax=ax, label="power share of final frequency")
    ax.set(xlabel="step", ylabel="node (by final strength)", title="(b) Fourier concentration")

    ax = axes[2]
    frac = grok.meta["config"]["top_fraction"]
    bins = np.linspace(0, 1.05, 43)
    for key, lab, c in (("W_init", "init", "C7"), ("W_mem", "end of stage I", "C0"),
                        ("W_final", "final", "C3")):
        Wk = grok[key]
        top = top_nodes(Wk, grok[key.replace("W_", "V_")], frac)
        Wn = Wk[top] / np.linalg.norm(Wk[top], axis=1, keepdims=True)
        ax.hist(theory.fourier_energy(Wn, M) / theory.energy_max(M), bins=bins, alpha=0.5,
                color=c, label=lab)
    M2 = stage2.meta["config"]["M"]
    rep = node_report(stage2["W_indep"], np.ones((M2, stage2["W_indep"].shape[0])), M2, 1.0)
    ax.hist(rep["E"], bins=bins, histtype="step", color="k", label="indep. ascent (stage2)")
    ax.axvline(1.0, **THEORY, label="max of E: M/4")
    ax.set(xlabel=r"$E(w/|w|)\,/\,(M/4)$", ylabel="nodes", title="(c) energy of the nodes")
    ax.legend(loc="upper center")

    ax = axes[3]
    Ms = sweep["M"].astype(float)
    dense = np.linspace(Ms.min() * 0.9, Ms.max() * 1.1, 200)
    for s in range(sweep["threshold"].shape[1]):
        ax.plot(Ms, sweep["threshold"][:, s], color="C0", label="bisected threshold" if s == 0
                else None, **SIM)
    ax.plot(dense, theory.critical_fraction(dense), label=r"$p^*=2.7482\,\ln M/M$", **THEORY)
    cfg = sweep.meta["config"]
    ax.plot(dense, cfg["low"] * theory.critical_fraction(dense), ls=":", color="C3",
            label=f"{cfg['low']} p* (fails)")
    ax.plot(dense, cfg["high"] * theory.critical_fraction(dense), ls=":", color="C2",
            label=f"{cfg['high']} p* (generalises)")
    ax.set(xlabel="M", ylabel="training fraction", title="(d) minimal training fraction")
    ax.legend()

    ax = axes[4]
    Md, frac = dihedral.meta["config"]["M"], dihedral.meta["config"]["top_fraction"]
    W, V = dihedral["W_final"], dihedral["V_final"]
    top = top_nodes(W, V, frac)
    tot, _, _ = spectra(W[top], Md, "dihedral")
    share = tot / tot.sum(1, keepdims=True)
    share = share[np.lexsort((-share.max(1), np.argmax(share, 1)))]
    ax.imshow(share, aspect="auto", origin="lower", cmap="viridis", vmin=0, vmax=1,
              interpolation="nearest")
    labels = ["triv", "sign"] + [rf"$\rho_{k}$" for k in range(1, share.shape[1] - 1)]
    ax.set_xticks(range(share.shape[1]), labels, fontsize=7)
    ax.set(xlabel="irrep of $D_{%d}$" % (Md // 2), ylabel="strongest nodes",
           title=f"(e) $D_{{{Md // 2}}}$: test acc {dihedral['test_acc'][-1]:.2f}")
    return fig


if __name__ == "__main__":
    style.main(draw, ["grok", "no_decay", "stage2", "sweep", "dihedral"], __doc__)
