"""Physics bugs the sharpness claims must reject (see tests/mutation.py).

Not listed: a sign error in the phi'' (curvature) term of the Hessian-vector product survives the
ledger (it moves lambda_max by the residual term only, ~1% at the EoS runs' loss and below the
width-sweep tolerances); the finite-difference and explicit-Hessian tests of tests/test_sharpness.py
catch it."""
import numpy as np

from mutation import Mutant

PKG = "sims.sharpness"


def _mup_readout_over_gamma_squared(layer_scales):
    """muP's readout multiplier divided by gamma^2 = n/n0 instead of gamma (a wrong exponent a_out)."""
    def mutated(param, depth, width, d, base_width):
        mults, stds, lr = layer_scales(param, depth, width, d, base_width)
        if param == "mup":
            mults = mults.copy()
            mults[-1] *= np.sqrt(base_width / width)
        return mults, stds, lr
    return mutated


def _lstsq_double_step(lstsq_sgd):
    """The least-squares (S)GD step taken with 2 eta (a factor 2 in the lr)."""
    return lambda bk, X, y, w, lr, idx: lstsq_sgd(bk, X, y, w, 2 * lr, idx)


def _ntk_multiplier_not_squared(empirical_ntk):
    """Theta = sum_l m_l^2 (B^T B)(H^T H) with the input layer's m_1 not squared."""
    def mutated(xp, Ws, mults, X, act):
        from sims.sharpness.curvature import tangent_features
        bs, hs = tangent_features(xp, Ws, mults, X, act)
        return sum((mults[l] ** 2 if l else mults[l]) * (bs[l].T @ bs[l]) * (hs[l].T @ hs[l])
                   for l in range(len(Ws)))
    return mutated


def _sgd_index_frozen(sgd_steps):
    """SGD's mini-batch index never advances: every step uses the first batch (a time-index slip)."""
    def mutated(bk, Ws, mults, X, y, act, lr, idx):
        idx = np.asarray(idx)
        return sgd_steps(bk, Ws, mults, X, y, act, lr, np.repeat(idx[:1], len(idx), axis=0))
    return mutated


def _hutchinson_se_without_sqrt_m(Curvature):
    """The Hutchinson standard error reported as the probes' std, not std/sqrt(m)."""
    class Mutated(Curvature):
        def hutchinson(self, rng, probes, gauss_newton=False):
            mean, se = super().hutchinson(rng, probes, gauss_newton)
            return mean, se * np.sqrt(probes)
    return Mutated


MUTANTS = [
    Mutant("muP readout multiplier 1/gamma^2 instead of 1/gamma (wrong a_out)",
           "theory.sharpness.layer_scales", _mup_readout_over_gamma_squared, ("lr_transfer",)),
    Mutant("least-squares (S)GD step with 2 eta (factor 2 in the lr)",
           f"{PKG}.net.lstsq_sgd", _lstsq_double_step, ("sgd_lstsq",)),
    Mutant("input-layer multiplier not squared in the empirical NTK",
           f"{PKG}.curvature.empirical_ntk", _ntk_multiplier_not_squared, ("ntk_init",)),
    Mutant("SGD mini-batch index never advances (time-index slip)",
           f"{PKG}.net.sgd_steps", _sgd_index_frozen, ("sgd_net",)),
    Mutant("Hutchinson standard error without the 1/sqrt(probes)",
           f"{PKG}.curvature.Curvature", _hutchinson_se_without_sqrt_m, ("sgd_net",)),
]
