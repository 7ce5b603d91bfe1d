"""Physics bugs the neural-collapse claims must reject (see tests/mutation.py). Each wraps a function
of sims.neural_collapse.model that the numpy backend looks up at call time."""
from mutation import Mutant

MODEL = "sims.neural_collapse.model"


def _h_decay_twice(loss_and_grads):
    """dL/dH = G_0 + 2 lambda_H H (the decay of |H|^2, not of |H|^2/2)."""
    def mutated(xp, p, Y, hp):
        loss, g = loss_and_grads(xp, p, Y, hp)
        return loss, g._replace(H=g.H + hp.lambda_H * p.H)
    return mutated


def _hidden_decay_twice(loss_and_grads):
    """The weight decay of W_1..W_{M-1} counted twice (once in a loop over all layers, once more
    for the hidden ones). (Dropping it instead makes the loss unbounded below in the layer scales:
    GD diverges, which is a crash, not a ledger verdict.)"""
    def mutated(xp, p, Y, hp):
        loss, g = loss_and_grads(xp, p, Y, hp)
        return loss, g._replace(Ws=g.Ws + hp.lambda_W * p.Ws)
    return mutated


def _bias_decayed(loss_and_grads):
    """The bias regularised with lambda_W although lambda_b = 0 (a copy-paste of the W term)."""
    def mutated(xp, p, Y, hp):
        loss, g = loss_and_grads(xp, p, Y, hp)
        return loss, g._replace(b=g.b + (hp.lambda_W * p.b if hp.bias else 0 * p.b))
    return mutated


def _ce_data_over_classes(loss_and_grads):
    """The CE data term averaged over the K classes instead of the N samples (gradient x N/K)."""
    def mutated(xp, p, Y, hp):
        loss, g = loss_and_grads(xp, p, Y, hp)
        if hp.loss != "ce":
            return loss, g
        scale = p.H.shape[1] / Y.shape[0]
        _, g0 = loss_and_grads(xp, p, Y, hp._replace(lambda_W=0.0, lambda_H=0.0, lambda_b=0.0))
        return loss, type(g)(*(a + (scale - 1) * a0 for a, a0 in zip(g, g0)))   # data part x N/K
    return mutated


def _centred_grams(layer_extras):
    """The class-mean Gram taken over centred means (h_G subtracted): Papyan's NC2 Gram where the
    claims read the uncentred one."""
    def mutated(xp, H, Ws, Y, counts):
        ex = layer_extras(xp, H, Ws, Y, counts)
        K = Y.shape[0]
        P = xp.eye(K, dtype=H.dtype) - 1.0 / K
        return ex._replace(grams=[P @ g @ P for g in ex.grams])
    return mutated


MUTANTS = [
    Mutant("feature weight decay doubled in dL/dH (2 lambda_H H)", f"{MODEL}.loss_and_grads",
           _h_decay_twice, ("imbalanced",)),
    Mutant("weight decay of the hidden layers W_1..W_{M-1} counted twice",
           f"{MODEL}.loss_and_grads", _hidden_decay_twice, ("imbalanced",)),
    Mutant("the bias regularised with lambda_W although lambda_b = 0", f"{MODEL}.loss_and_grads",
           _bias_decayed, ("mse_bias",)),
    Mutant("CE data term averaged over classes, not samples", f"{MODEL}.loss_and_grads",
           _ce_data_over_classes, ("cross_entropy",), overrides={"lr": 0.05}),
    Mutant("class-mean Gram of the centred means (h_G subtracted)", f"{MODEL}.layer_extras",
           _centred_grams, ("imbalanced",)),
]
