"""What the neural-collapse arrays mean (long name, unit); see :mod:`sims.outputs`."""
from ..outputs import Output, coordinate, index, with_roles
from .run import HIST_NAMES, NC_NAMES

OUTPUTS = {
    "depth": coordinate("number M of linear layers on the features"),
    "ratio": coordinate("imbalance ratio of the sweep (nan without a sweep)"),
    "counts": coordinate("samples n_k of class k"),
    "steps": Output("heavy-ball GD steps run until |grad| < tol", "steps"),
    "grad_norm": Output("gradient norm at the end", "1"),
    "loss": Output("regularised training loss at the end", "1"),
    "hist_steps": Output("GD step of each history mark (log-spaced)", "steps"),
    "hist": Output("training history: loss, |grad|, NC1-NC3 of the layer-0 features", "1"),
    "nc_layers": Output("NC1-NC4 of layer l's features at the end (nan beyond the run's depth)",
                        "1"),
    "means": Output("class means hbar_k of the layer-0 features", "1"),
    "W": Output("product of the linear layers W_M ... W_1 (class x feature)", "1"),
    "bias": Output("classifier bias b_k", "1"),
    "WWt": Output("W W^T of the product of the layers", "1"),
    "WHbar": Output("W Hbar: classifier applied to the class means", "1"),
    "nc_init": Output("NC1-NC4 of the untrained initial state", "1"),
    "grams": Output("Gram Hbar_l^T Hbar_l of the uncentred layer-l class means", "1"),
    "gains": Output("spectral norm |W_l ... W_1|_2 (a factor of the NC1 bound)", "1"),
    "sb_pinv": Output("spectral norm |Sigma_B^+|_2 of layer l (a factor of the NC1 bound)", "1"),
    "restart_losses": Output("final regularised loss from each independent init (the run keeps "
                             "the lowest)", "1"),
    "run": index("run (depth x imbalance ratio)"),
    "restart": index("independent init of a run"),
    "class": index("class k"),
    "class2": index("class k'"),
    "feature": index("feature coordinate"),
    "layer": index("layer l (features W_l ... W_1 H)"),
    "mark": index("history mark"),
    "quantity": index("history quantity", HIST_NAMES),
    "metric": index("neural-collapse metric", NC_NAMES),
}

OUTPUTS = with_roles(
    OUTPUTS, axis=("depth", "ratio"),
    figure={"hist": "the training history drawn; the rows read the end state",
            "hist_steps": "the history's steps (figure axis)"},
    diagnostic={
        "steps": "heavy-ball steps used: cost, not a prediction",
        "restart_losses": "which init reached the lowest objective (the kept state): a "
                          "selection, not a prediction",
    })
