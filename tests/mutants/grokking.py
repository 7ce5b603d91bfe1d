"""Physics bugs the grokking claims must reject (see tests/mutation.py). The mutated functions are
module globals looked up at call time: model._update and model.loss_and_grads by the generic
train_chunk (the numpy backend the harness runs), metrics.independent_ascent by run, and
theory.grokking.energy_max by metrics."""
from mutation import Mutant

MODEL = "sims.grokking.model"


def _decay_sign(update):
    def mutated(xp, P, g, m, v, t, hp):
        return update(xp, P, g, m, v, t, hp._replace(weight_decay=-hp.weight_decay))  # anti-decay
    return mutated


def _top_layer_sign(loss_and_grads):
    def mutated(xp, W, V, X, Yt, act, *rest, **options):               # ops, extras passed on
        loss, gW, gV, GF, F = loss_and_grads(xp, W, V, X, Yt, act, *rest, **options)
        return loss, gW, -gV, GF, F                                     # dL/dV = -G_O^T F
    return mutated


def _descent(ascent):
    def mutated(W0, X, Yt, act, steps, lr):
        return ascent(W0, X, Yt, act, steps, -lr)                       # descends E
    return mutated


MUTANTS = [
    Mutant("weight decay with the wrong sign in Adam's coupled L2 term (g - wd theta)",
           f"{MODEL}._update", _decay_sign, ("grok",)),
    Mutant("top-layer gradient with the wrong sign (dL/dV = -G_O^T F)",
           f"{MODEL}.loss_and_grads", _top_layer_sign, ("grok",)),
    Mutant("the stage-II ascent steps down the energy (lr sign)",
           "sims.grokking.metrics.independent_ascent", _descent, ("stage2",)),
    Mutant("E normalised by the paper's stated maximum M/16 instead of M/4",
           "theory.grokking.energy_max", lambda original: (lambda M: M / 16), ("stage2",)),
]
