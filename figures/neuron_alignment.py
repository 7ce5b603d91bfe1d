"""Figure: early neuron alignment (Min, Mallada & Vidal 2024). Reads result files; never simulates.

(a) angle of every neuron to x_+ (v > 0, red) or x_- (v < 0, blue) vs time, with the alignment and
escape times; (b) alignment and escape times vs log(1/eps) with the theory slope 1/lambda;
(c) alignment time vs log n / sqrt(mu) with the paper's bound 4 log n / sqrt(mu) and the large-n
law t* of theory (v), evaluated at each run's initial cosines;
(d) loss vs time, log-log, with a 1/t guide and the large-init contrast; (e) singular values of W.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from figures import style  # noqa: E402
from figures.style import SIM, THEORY, plt  # noqa: E402
from sims.neuron_alignment import ALIGN_COS  # noqa: E402
from theory import neuron_alignment as theory  # noqa: E402


def _times(res):
    t, loss, ok = res["t"], res["loss"], res["all_ok"]
    return t[np.argmax(ok)], t[np.argmax(loss <= 0.5 * loss[0])]


def draw(base, eps_sweep, n_mu, large):
    fig, axes = plt.subplots(1, 5, figsize=(17, 3.3), constrained_layout=True)
    ax = axes[0]
    st, v = base["snap_t"], base["v_t"][0]
    ang = np.degrees(np.arccos(np.clip(np.where(v[None, :] > 0, base["cos_plus"], base["cos_minus"]),
                                       -1, 1)))
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

    ax = axes[1]
    eps = eps_sweep["eps"]
    L = np.log(1 / eps)
    ta, te, lam = eps_sweep["t_align"][0, 0], eps_sweep["t_escape"][0, 0], eps_sweep["lam"][0, 0, 0]
    ax.plot(L, ta, color="C2", label="alignment time", **SIM)
    ax.plot(L, te, color="C1", marker="s", ls="none", label="escape time")
    grid = np.linspace(L.min() * 0.9, L.max() * 1.05, 50)
    ax.plot(grid, te[0] + (grid - L[0]) / lam, **THEORY, label=r"slope $1/\lambda$ (theory)")
    ax.set(xlabel=r"$\log(1/\epsilon)$", ylabel="t", title="(b) times vs init scale")
    ax.legend()

    ax = axes[2]
    ns, mus = n_mu["n"], n_mu["mu"]
    shape = np.log(ns)[:, None] / np.sqrt(mus)[None, :]
    ax.plot(shape.ravel(), n_mu["t_align"][:, :, 0].ravel(), color="C2", label="measured", **SIM)
    bound = theory.align_time_bound(ns[:, None].astype(float), mus[None, :]).ravel()
    order = np.argsort(shape.ravel())
    ax.plot(shape.ravel()[order], bound[order], **THEORY, label=r"bound $t_1(n, \mu)$ (theory)")
    t_star = theory.large_n_align_time(n_mu["init_cos"][:, :, 0], n_mu["centre_rate"][:, :, 0],
                                       ALIGN_COS)
    ax.plot(shape.ravel(), t_star.ravel(), marker="x", ls="none", color="k",
            label=r"large-$n$ law $t^*$ (theory)")
    ax.set(xlabel=r"$\log n / \sqrt{\mu}$", ylabel="alignment time",
           title=f"(c) n in {ns.tolist()}, mu in {mus.tolist()}")
    ax.legend()

    ax = axes[3]
    for res, label, c in ((base, f"eps={base['eps'][0]:g}", "C3"),
                          (large, f"eps={large['eps'][0]:g} (large)", "C7")):
        ok = res["t"] > 0
        ax.plot(res["t"][ok], res["loss"][ok], color=c, label=label)
    t = base["t"][base["t"] > 0]
    ax.plot(t[t > t[-1] / 1e3], base["loss"][-1] * t[-1] / t[t > t[-1] / 1e3], **THEORY,
            label="1/t guide")
    ax.set(xscale="log", yscale="log", xlabel="t", ylabel="loss", title="(d) loss")
    ax.legend()

    ax = axes[4]
    sv = base["svals"]
    for k in range(min(6, sv.shape[1])):
        ax.plot(st[1:], sv[1:, k], label=f"s{k + 1}" if k < 3 else None)
    ax.set(xscale="log", yscale="log", xlabel="t", ylabel="singular values of W",
           title=f"(e) stable rank at end {float(base['stable_rank'].ravel()[0]):.3f}")
    ax.legend()
    return fig


def main(argv=None):
    style.main(draw, ("base", "eps_sweep", "n_mu_sweep", "large_init"), __doc__, argv)


if __name__ == "__main__":
    main()
