"""Physics bugs the neural-collapse claims must reject (see tests/mutation.py). Each wraps a function
of sims.neural_collapse.model that the numpy backend looks up at call time."""
from mutation import Mutant

MODEL = "sims.neural_collapse.model"


def _h_decay_twice(loss_and_grads):
    """dL/dH = G_0 + 2 lambda_H H (the decay of |H|^2, not of |H|^2/2)."""
    def mutated(xp, H, Ws, Wout, b, Y, lam_w, lam_h, lam_b, ce, use_bias):
        loss, gH, gWs, gWout, gb = loss_and_grads(xp, H, Ws, Wout, b, Y, lam_w, lam_h, lam_b, ce,
                                                  use_bias)
        return loss, gH + lam_h * H, gWs, gWout, gb
    return mutated


def _hidden_decay_twice(loss_and_grads):
    """The weight decay of W_1..W_{M-1} counted twice (once in a loop over all layers, once more
    for the hidden ones). (Dropping it instead makes the loss unbounded below in the layer scales:
    GD diverges, which is a crash, not a ledger verdict.)"""
    def mutated(xp, H, Ws, Wout, b, Y, lam_w, lam_h, lam_b, ce, use_bias):
        loss, gH, gWs, gWout, gb = loss_and_grads(xp, H, Ws, Wout, b, Y, lam_w, lam_h, lam_b, ce,
                                                  use_bias)
        return loss, gH, gWs + lam_w * Ws, gWout, gb
    return mutated


def _bias_decayed(loss_and_grads):
    """The bias regularised with lambda_W although lambda_b = 0 (a copy-paste of the W term)."""
    def mutated(xp, H, Ws, Wout, b, Y, lam_w, lam_h, lam_b, ce, use_bias):
        loss, gH, gWs, gWout, gb = loss_and_grads(xp, H, Ws, Wout, b, Y, lam_w, lam_h, lam_b, ce,
                                                  use_bias)
        return loss, gH, gWs, gWout, gb + (lam_w * b if use_bias else 0 * b)
    return mutated


def _ce_data_over_classes(loss_and_grads):
    """The CE data term averaged over the K classes instead of the N samples (gradient x N/K)."""
    def mutated(xp, H, Ws, Wout, b, Y, lam_w, lam_h, lam_b, ce, use_bias):
        out = loss_and_grads(xp, H, Ws, Wout, b, Y, lam_w, lam_h, lam_b, ce, use_bias)
        if not ce:
            return out
        scale = H.shape[1] / Y.shape[0]
        _, gH0, gWs0, gWout0, gb0 = loss_and_grads(xp, H, Ws, Wout, b, Y, 0.0, 0.0, 0.0, ce,
                                                   use_bias)           # the data part alone
        loss, gH, gWs, gWout, gb = out
        return (loss, gH + (scale - 1) * gH0, gWs + (scale - 1) * gWs0,
                gWout + (scale - 1) * gWout0, gb + (scale - 1) * gb0)
    return mutated


def _centred_grams(layer_extras):
    """The class-mean Gram taken over centred means (h_G subtracted): Papyan's NC2 Gram where the
    claims read the uncentred one."""
    def mutated(xp, H, Ws, Y, counts):
        grams, gains, sb_pinv = layer_extras(xp, H, Ws, Y, counts)
        K = Y.shape[0]
        P = xp.eye(K, dtype=H.dtype) - 1.0 / K
        return [P @ g @ P for g in grams], gains, sb_pinv
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
