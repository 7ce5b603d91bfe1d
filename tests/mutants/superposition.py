"""Physics bugs the superposition claims must reject (see tests/mutation.py). Each reruns one
quick experiment: the two in the training step on the numpy backend (82-98 s of CPU each,
2026-12-07), the frequencies (drawn by run.py on every backend) on numba (~35 s)."""
from mutation import Mutant

MODEL = "sims.superposition.model"


def _norm_decay_sign(decay):
    def mutated(xp, W, lr, gamma, eps):
        if gamma >= 0:
            return decay(xp, W, lr, gamma, eps)
        norms = xp.sqrt(xp.sum(W * W, axis=1, keepdims=True))
        return W - lr * gamma * W * (1.0 - 1.0 / (norms + eps))      # pushes norms away from 1
    return mutated


def _no_relu_mask(loss_and_grads):
    def mutated(xp, W, b, x):
        B, n = x.shape
        h = x @ W
        z = h @ W.T + b[None, :]
        r = xp.where(z > 0, z, xp.zeros_like(z)) - x
        G = r * (2.0 / (B * n))                       # the ReLU's 1[z > 0] dropped
        return xp.sum(r * r) / (B * n), G.T @ h + x.T @ (G @ W), xp.sum(G, axis=0)
    return mutated


def _exponent_plus_one(probabilities):
    def mutated(n, alpha, density):
        return probabilities(n, alpha + 1.0, density)   # p_i ~ i^-(1 + alpha), the authors' code's form
    return mutated


MUTANTS = [
    Mutant("the strong regime's row-norm decay with its sign flipped (norms pushed away from 1)",
           f"{MODEL}.decay", _norm_decay_sign, ("strong",)),
    Mutant("the ReLU's derivative 1[z > 0] dropped from the output gradient",
           f"{MODEL}.loss_and_grads", _no_relu_mask, ("strong",)),
    Mutant("feature frequencies p_i ~ i^-(1 + alpha) instead of i^-alpha",
           f"{MODEL}.probabilities", _exponent_plus_one, ("weak",),
           backend="numba"),          # run.py draws p on every backend: 121 s on numpy, ~40 s here
]
