"""Physics bugs the scaling-laws claims must reject (see tests/mutation.py)."""
import numpy as np

from mutation import Mutant

PLRF = "sims.scaling_laws.plrf"


def _no_noise_recursion(expected_loss):
    def mutated(bk, lam, a0, gamma, p_inf, log_steps):          # (1 - gamma lam)^2: GD, not SGD
        xp = bk.xp
        a, out, k = a0, [], 0
        for target in np.asarray(log_steps, dtype=np.int64).tolist():
            while k < target:
                a, k = (1 - gamma * lam) ** 2 * a, k + 1
            out.append(0.5 * xp.sum(lam * a) + p_inf)
        return xp.stack(out)
    return mutated


def _double_step(sgd_chunk):
    def mutated(bk, theta, xi, L, gamma):
        return sgd_chunk(bk, theta, xi, L, 2 * gamma)
    return mutated


def _variance_for_std(plrf_problem):
    def mutated(alpha, beta, d, v, rng):                           # x_j ~ N(0, j^-alpha)
        return plrf_problem(alpha / 2, beta, d, v, rng)
    return mutated


def _unweighted_test_loss(min_norm_loss):
    def mutated(xp, X, U, w, lam):                                 # (1/2)|U^T theta - w|^2
        return min_norm_loss(xp, X, U, w, xp.ones_like(lam))
    return mutated


def _averaged_huber(chinchilla_loss):
    def mutated(params, logN, logD, logL, reduce="sum", delta=1e-3):
        return chinchilla_loss(params, logN, logD, logL, "mean", delta)
    return mutated


def _no_noise_blocks(block_expected_loss):
    def mutated(bk, lam, n, w, gamma, p_inf, log_steps, h):          # the noise forcing f_b dropped
        return block_expected_loss(bk, lam, 0 * n, w, gamma, p_inf, log_steps, h)
    return mutated


MUTANTS = [
    Mutant("the expected-loss recursion without the SGD-noise terms (gradient descent)",
           f"{PLRF}.expected_loss", _no_noise_recursion, ("plrf",)),
    Mutant("SGD step twice the stated gamma (a factor-2 slip in the lr convention)",
           f"{PLRF}.sgd_chunk", _double_step, ("plrf",)),
    Mutant("data variance j^-alpha instead of j^-2alpha (standard deviation and variance swapped)",
           f"{PLRF}.plrf_problem", _variance_for_std, ("plrf",)),
    Mutant("MRS test loss without the latent spectrum's weights", "sims.scaling_laws.mrs.min_norm_loss",
           _unweighted_test_loss, ("mrs",)),
    Mutant("Chinchilla fit on the averaged Huber objective", "theory.scaling_laws.chinchilla.chinchilla_loss",
           _averaged_huber, ("chinchilla",)),
    Mutant("deterministic-equivalent recursion without the SGD-noise forcing",
           "sims.scaling_laws.equivalent.block_expected_loss", _no_noise_blocks,
           ("compute_optimal_IVb",)),
]
