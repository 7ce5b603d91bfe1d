"""Physics bugs the double-descent claims must reject (see tests/mutation.py)."""
from mutation import Mutant

MODEL = "sims.double_descent.model"


def _no_noise(draw):
    def mutated(config, rng, width):
        data = draw(config, rng, width)
        if "eps" in data:
            data["eps"] = 0.0 * data["eps"]
        return data
    return mutated


def _ridge_without_n(filters):
    def mutated(xp, s, keep, lr_over_n, budgets, lambdas, n):
        return filters(xp, s, keep, lr_over_n, budgets, lambdas / n, n)   # s/(s^2 + lam)
    return mutated


def _step_n_times(risks):
    def mutated(xp, s, c, Vh, Zt, yt, y2, lr_over_n, budgets, lambdas, n, tol):
        return risks(xp, s, c, Vh, Zt, yt, y2, lr_over_n * n, budgets, lambdas, n, tol)
    return mutated


def _features_over_d(draw):
    """ReLU(W x / d) instead of ReLU(W x / sqrt(d)): the oracle ridge absorbs it (issue 24)."""
    def mutated(config, rng, width):
        data = draw(config, rng, width)
        if "Z" in data:
            scale = float(config.d) ** -0.5
            data["Z"], data["Zt"] = data["Z"] * scale, data["Zt"] * scale
        return data
    return mutated


def _train_without_half(risks):
    """|Z a - y|^2/n instead of /(2n): the level row reads it (issue 24: a survivor of the survey)."""
    def mutated(backend, *args):
        risk, train = risks(backend, *args)
        return risk, 2.0 * train
    return mutated


MUTANTS = [
    Mutant("the label noise is dropped from the linear model", f"{MODEL}._draw", _no_noise,
           ("linear",)),
    Mutant("the linear model's training loss without the 1/2", f"{MODEL}.linear_model_risks",
           _train_without_half, ("linear",)),
    Mutant("ridge penalty lam instead of n lam (a sum/mean slip)", f"{MODEL}._filters",
           _ridge_without_n, ("linear",)),
    Mutant("GD step n times too large (the loss summed, not averaged)", f"{MODEL}._rf_risks",
           _step_n_times, ("random_features",)),
    Mutant("random features ReLU(W x / d) instead of ReLU(W x / sqrt(d))", f"{MODEL}._draw",
           _features_over_d, ("random_features",)),
]
