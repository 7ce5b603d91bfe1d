"""What the grokking arrays mean (long name, unit); see :mod:`sims.outputs`."""
from ..outputs import SEED, Output, coordinate, index, with_roles

_W = "hidden-layer weights W (node x one-hot input [e_a; e_b])"
_V = "output weights V (class x node)"
OUTPUTS = {
    "step": coordinate("optimiser step of each record", "steps"),
    "record_step": Output("optimiser step of each record", "steps"),
    "train_acc": Output("training accuracy", "1"),
    "test_acc": Output("test accuracy on the held-out pairs", "1"),
    "train_loss": Output("centred MSE training loss", "1"),
    "test_loss": Output("centred MSE test loss", "1"),
    "ipr_top": Output("mean Fourier IPR sum_k p_k^2 of the strongest nodes", "1"),
    "ipr_all": Output("mean Fourier IPR sum_k p_k^2 of all nodes", "1"),
    "energy_top": Output("mean energy E(w/|w|)/(M/4) of the strongest nodes", "1"),
    "gf_norm": Output("norm of the backpropagated gradient G_F", "1"),
    "gf_label": Output("fraction of |G_F|^2 in the label span col(Ytil)", "1"),
    "gf_indep": Output("cosine of G_F to the stage-II form Ytil Ytil^T F", "1"),
    "weight_norm": Output("norm of the hidden weights |W|", "1"),
    "train_idx": Output("index a M + b of each training pair (a, b)", "1"),
    "spectra": Output("power share of each stored node's weights per frequency (irrep) class",
                      "1"),
    "node_energy": Output("energy E(w/|w|)/(M/4) of each stored node", "1"),
    "stage_found": Output("whether the stage was detected (1/0)", "1"),
    "ridge_identity_err": Output("relative error of the push-through identity on F at the end of "
                                 "stage I", "1"),
    "W_indep": Output("independent ascent of E from the stage-I weights (" + _W + ")", "1"),
    "W_start": Output("hidden weights at the start of stage II (" + _W + ")", "1"),
    "step_start": Output("step at which stage II starts", "steps"),
    "M": Output("modulus M of Z_M", "1"),
    "p_star": Output("predicted minimal training fraction p*(M) = 2.7482 ln M / M", "1"),
    "acc_low": Output("test accuracy at the low end of the fraction bracket", "1"),
    "acc_high": Output("test accuracy at the high end of the fraction bracket", "1"),
    "steps_high": Output("steps run at the high end of the bracket", "steps"),
    "threshold": Output("bisected minimal training fraction that generalises", "1"),
    "bracket": Output("training-fraction bracket [low, high] of the bisection", "1"),
    "seed": SEED,
    "record": index("record"),
    "stored_node": index("stored node (the first spectrum_nodes hidden nodes)"),
    "irrep": index("frequency (irrep) class"),
    "node": index("hidden node"),
    "input": index("one-hot input coordinate"),
    "output": index("output class"),
    "stage": index("Li2 stage", ("mem", "feat", "grok")),
    "train_pair": index("training pair"),
    "end": index("bracket end", ("low", "high")),
}
for _s, _what in (("init", "at initialisation"), ("mem", "at the end of stage I (memorised)"),
                  ("feat", "when features emerge (stage II)"), ("grok", "at the test-accuracy jump "
                                                                     "(stage III)"),
                  ("final", "at the last step")):
    OUTPUTS[f"W_{_s}"] = Output(f"{_W} {_what}", "1")
    OUTPUTS[f"V_{_s}"] = Output(f"{_V} {_what}", "1")
    OUTPUTS[f"step_{_s}"] = Output(f"step of the snapshot {_what}", "steps")

_TRACE = "a training trace drawn for inspection; the Li2 stage claims read the snapshots"
OUTPUTS = with_roles(
    OUTPUTS, axis=("record_step", "step_init", "step_mem", "step_feat", "step_grok",
                   "step_final"),
    figure={"spectra": "the Fourier power per irrep class of the stored nodes (figure panel); "
                       "the IPR rows read ipr_top, its summary"},
    diagnostic={
        "energy_top": "the energy E of the strongest nodes: theory bounds its maximiser, not its "
                      "value along training; the stage-II rows read W_indep and W_start",
        "gf_norm": _TRACE, "gf_label": _TRACE, "gf_indep": _TRACE, "ipr_all": _TRACE,
        "weight_norm": _TRACE, "train_loss": _TRACE, "test_loss": _TRACE,
        "node_energy": "per-node energy of the stored nodes, for inspection beside spectra",
        "p_star": "p*(M) recomputed from theory for the reader; the threshold row computes it "
                  "from theory itself",
        "ridge_identity_err": "an algebraic identity (push-through) on the run's F: true by "
                              "construction, tested in tests/, not a prediction of the dynamics",
        "steps_high": "steps run at the bracket's high end: its cost, not a prediction",
        "stage_found": "whether each stage was detected: the stage rows read the snapshots and "
                       "report a missing stage themselves",
    })
