"""Figure: sharpness under NTK vs muP, learning-rate transfer, edge of stability, NTK convergence,
Hessian vs NTK along GD.

Reads the experiments of kinds ``width_sweep``, ``lr_transfer``, ``eos``, ``ntk_init``,
``gauss_newton`` and ``coord_check``; draws only (never simulates). Panels (``PANELS``, each drawable alone with
``panel(name, experiments, ax)``):
(a), (b) eta lambda_max vs GD step per width, NTK and muP (Noci et al. 2024's headline);
(c) loss after T steps vs base learning rate per width, standard vs muP (transfer plot);
(d) lambda_t vs time t = k eta on Cohen et al.'s Chebyshev toy with the 2/eta lines, the gradient
flow over the same time dashed;
(e) empirical-NTK error vs width with the CLT prediction sqrt(mean sigma^2/n);
(f) lambda_max(H) and lambda_max(NTK)/N along a GD run, with the loss;
(g), (h), (i) microsoft/mup's coord-check plot for muP, NTK and standard: seed-mean l1 = mean |x|
of the output f (solid) and of the feature change dz (dashed) vs width, one colour per record t.
"""
from __future__ import annotations

import numpy as np

from figures import style
from figures.style import SIM, THEORY, one, plt
from theory import sharpness as theory


def _sharpness(exps, ax, param):
    sweep = one(exps, "width_sweep")
    params = [str(p) for p in sweep["params"]]
    if param not in params:
        ax.set_title(f"no {param} run")
        return
    k = params.index(param)
    for i, n in enumerate(sweep["widths"]):
        s = sweep["sharpness"][k, i] * sweep["eta"][k, i]
        ax.plot(sweep["logs"], np.nanmean(s, 0), marker="o", color=f"C{i}", label=f"n = {n}")
    eta = float(sweep["eta"][k, 0])
    ax.axhline(eta * float(theory.gd_threshold(eta)), **THEORY,
               label=r"GD stability edge $\eta\lambda = 2$")
    label = "NTK" if param == "ntk" else "muP"
    ax.set(xlabel="GD step", ylabel=r"$\eta\,\lambda_{\max}(H)$",
           title=f"({'a' if param == 'ntk' else 'b'}) sharpness, {label}")
    ax.legend()


def sharpness_ntk(exps, ax):
    """(a) eta lambda_max vs step per width, NTK parametrisation."""
    _sharpness(exps, ax, "ntk")


def sharpness_mup(exps, ax):
    """(b) eta lambda_max vs step per width, muP."""
    _sharpness(exps, ax, "mup")


def lr_transfer(exps, ax):
    """(c) seed-mean loss after T GD steps vs base lr per width (dashed: standard, solid: muP); a
    star marks each curve's optimum, an x at the top each diverged lr; the grey arrows the
    optimum's predicted move with width (exponent: theory.optimal_lr_exponent)."""
    from sims.sharpness.claims import best_lr_index
    transfer = one(exps, "lr_transfer")
    lrs = np.asarray(transfer["lrs"], float)
    finite = transfer["final_loss"][np.isfinite(transfer["final_loss"])]
    top = float(np.max(finite)) * 3 if finite.size else 1.0
    for k, p in enumerate(str(p) for p in transfer["params"]):
        m = np.mean(transfer["final_loss"][k], axis=-1)
        best = best_lr_index(transfer["final_loss"][k])
        for i, n in enumerate(transfer["widths"]):
            ls = "--" if p == "standard" else "-"
            ax.plot(lrs, np.where(np.isfinite(m[i]), m[i], np.nan), ls=ls, marker="o", ms=2.5,
                    color=f"C{i}", label=f"{p}, n = {n}")
            if best[i] >= 0:
                ax.plot(lrs[best[i]], m[i, best[i]], marker="*", ms=9, color=f"C{i}", mec="k",
                        mew=0.5, ls="none")
            bad = ~np.isfinite(m[i])
            ax.plot(lrs[bad], np.full(bad.sum(), top), marker="x", ls="none", color=f"C{i}",
                    ms=3)
    ax.plot([], [], marker="*", ms=7, color="grey", mec="k", ls="none", label="optimum")
    ax.plot([], [], marker="x", ls="none", color="grey", label="diverged")
    ax.set(xscale="log", yscale="log", xlabel="base learning rate",
           ylabel=f"loss after {transfer.meta['config']['steps']} steps",
           title="(c) lr transfer: standard vs muP")
    ax.legend(ncol=2)


def edge_of_stability(exps, ax):
    """(d) lambda_t vs training time t = k eta per step size with its 2/eta line; the gradient flow
    from the same init (its records at every run's times, merged) dashed."""
    eos = one(exps, "eos")
    for k, c in enumerate(eos["factors"]):
        ax.plot(eos["logs"] * eos["eta"][k], eos["sharpness"][k], color=f"C{k}",
                label=f"GD, eta = 2/({c:g} lambda_0)")
        ax.axhline(float(theory.gd_threshold(eos["eta"][k])), color=f"C{k}", ls=":", lw=0.8)
    t, lam = np.ravel(eos["flow_time"]), np.ravel(eos["flow_sharpness"])
    order = np.argsort(t)
    ax.plot(t[order], lam[order], color="k", ls="--", label="gradient flow (control)")
    ax.set(xlabel=r"training time $t = k\eta$", ylabel=r"$\lambda_{\max}(H)$ (dotted: $2/\eta$)",
           title="(d) edge of stability (Chebyshev T3)")
    ax.legend()


def ntk_convergence(exps, ax):
    """(e) max and RMS entry error of the empirical NTK vs width, with the exact CLT RMS."""
    ntk = one(exps, "ntk_init")
    w = ntk["widths"]
    sd = theory.relu_ntk_entry_sd(ntk["X"])
    ax.plot(w, np.max(ntk["err_max"], axis=1), color="C3", label="max entry error", **SIM)
    ax.plot(w, np.sqrt(np.mean(ntk["err_rms"] ** 2, axis=1)), color="C0", label="RMS entry error",
            **SIM)
    ax.plot(w, np.sqrt(np.mean(sd**2)) / np.sqrt(w), label=r"CLT: $\sqrt{\overline{\sigma^2}/n}$",
            **THEORY)
    ax.set(xscale="log", yscale="log", xlabel="width n", ylabel=r"$|\Theta_n - \Theta_\infty|$",
           title="(e) empirical NTK -> arc-cosine NTK")
    ax.legend()


def hessian_vs_ntk(exps, ax):
    """(f) lambda_max(H), lambda_max(J^T J/N) and lambda_max(NTK)/N along a GD run; loss on the right."""
    gn = one(exps, "gauss_newton")
    t = gn["logs"]
    ax.plot(t, gn["sharpness"], color="C0", marker="o", label=r"$\lambda_{\max}(H)$")
    ax.plot(t, gn["gn_top"], color="C1", ls="--", label=r"$\lambda_{\max}(J^TJ/N)$")
    ax.plot(t, gn["ntk_top_over_n"], color="k", ls=":", label=r"$\lambda_{\max}(\Theta)/N$")
    ax.set(xlabel="GD step", ylabel="top eigenvalue", title="(f) Hessian vs NTK")
    ax.legend(loc="center right")
    twin = ax.twinx()
    twin.plot(t, gn["loss"], color="grey", lw=0.8)
    twin.set(yscale="log", ylabel="loss (grey)")


def _coord(exps, ax, param, letter):
    cc = one(exps, "coord_check")
    params = [str(p) for p in cc["params"]]
    label = {"mup": "muP", "ntk": "NTK", "standard": "standard"}[param]
    if param not in params:
        ax.set_title(f"({letter}) no {label} run")
        return
    names = [str(n) for n in cc["coordinates"]]
    l1 = np.nanmean(cc["l1"][params.index(param)], axis=1)           # [width, record, quantity]
    w = cc["widths"]
    for t in range(l1.shape[1]):
        ax.plot(w, l1[:, t, names.index("f")], marker="o", ms=2.5, color=f"C{t}",
                label=f"t = {t + 1}")
        if t:
            ax.plot(w, l1[:, t, names.index("dz")], marker="s", ms=2.5, ls="--", color=f"C{t}")
    ax.plot([], [], color="grey", label="f (output)")
    ax.plot([], [], color="grey", ls="--", label=r"$\Delta z$ (features)")
    ax.set(xscale="log", yscale="log", xlabel="width n", ylabel="l1 = mean |x|",
           title=f"({letter}) coord check, {label}")
    ax.legend(ncol=2)


def coord_check_mup(exps, ax):
    """(g) mup's coord check for muP: l1 of f and dz vs width per record t (flat but f at t = 1)."""
    _coord(exps, ax, "mup", "g")


def coord_check_ntk(exps, ax):
    """(h) the same for NTK: the feature change dz falls like width^-1/2."""
    _coord(exps, ax, "ntk", "h")


def coord_check_standard(exps, ax):
    """(i) the same for standard parametrisation: the output grows with width after one step."""
    _coord(exps, ax, "standard", "i")


PANELS = {"sharpness_ntk": sharpness_ntk, "sharpness_mup": sharpness_mup,
          "lr_transfer": lr_transfer, "edge_of_stability": edge_of_stability,
          "ntk_convergence": ntk_convergence, "hessian_vs_ntk": hessian_vs_ntk,
          "coord_check_mup": coord_check_mup, "coord_check_ntk": coord_check_ntk,
          "coord_check_standard": coord_check_standard}


def panel(name, exps, ax=None):
    """Draw one panel (a key of ``PANELS``) into ``ax``; returns the axes."""
    return style.panel(PANELS, name, exps, ax)


def draw(exps):
    """The whole figure: every panel of ``PANELS`` on a grid that wraps to the current width
    (:func:`figures.style.use`)."""
    return style.draw_panels(list(PANELS.values()), exps)
