"""Physics bugs the neuron-alignment claims must reject (see tests/mutation.py)."""
import math

import numpy as np

from mutation import Mutant

MODEL = "sims.neuron_alignment.model"


def _first_layer_twice(first_layer):
    def mutated(xp, v, act, r, X):
        return 2.0 * first_layer(xp, v, act, r, X)      # dW/dt = 2 v sum_i r_i a_ij x_i
    return mutated


def _mean_twice(loss_weight):
    def mutated(xp, u, logistic):
        losses, g = loss_weight(xp, u, logistic)
        return losses, g / u.shape[0]                   # the 1/n applied again to -l'(u)
    return mutated


def _mu_for_sqrt_mu(make_data):
    def mutated(n, d, mu, rng):
        Q, _ = np.linalg.qr(rng.standard_normal((d, n + 1)))
        u, Z = Q[:, 0], Q[:, 1:].T
        y = np.where(np.arange(n) < (n + 1) // 2, 1.0, -1.0)
        return y[:, None] * (mu * u[None, :] + math.sqrt(1 - mu) * Z), y
    return mutated


def _midpoint(rk4_step):
    """The explicit midpoint rule (order 2) in place of RK4, same signature and outputs."""
    from sims.neuron_alignment import model

    def mutated(bk, X, y, W, v, dtau, loss0, scale, logistic):
        def f(Wa, va):
            fl = model.field.generic(bk.xp, X, y, Wa, va, scale, logistic)
            c = model.speed(float(fl.loss), loss0)
            return c * fl.dW, c * fl.dv, c, float(fl.loss)
        a1, b1, c1, l1 = f(W, v)
        a2, b2, c2, _ = f(W + 0.5 * dtau * a1, v + 0.5 * dtau * b1)
        return model.Step(W + dtau * a2, v + dtau * b2, dtau * c2, l1)
    return mutated


def _all_positive(make_init):
    def mutated(width, d, eps, rng):
        W, v = make_init(width, d, eps, rng)
        return W, np.abs(v)                             # every second-layer sign +1
    return mutated


MUTANTS = [
    Mutant("factor 2 on the first-layer gradient (balancedness broken)", f"{MODEL}._first_layer",
           _first_layer_twice, ("eps_sweep",)),
    Mutant("the mean's 1/n applied twice to the loss derivative", f"{MODEL}._loss_weight",
           _mean_twice, ("eps_sweep",)),
    Mutant("data built with mu where sqrt(mu) belongs (wrong separation)", f"{MODEL}.make_data",
           _mu_for_sqrt_mu, ("n_mu_sweep",)),
    Mutant("midpoint rule (order 2) in place of RK4", f"{MODEL}.rk4_step", _midpoint, ("order",)),
    Mutant("every second-layer weight initialised +eps (no v < 0 neurons)", f"{MODEL}.make_init",
           _all_positive, ("eps_sweep",)),
]
