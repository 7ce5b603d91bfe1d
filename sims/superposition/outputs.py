"""What the superposition arrays mean (long name, unit); see :mod:`sims.outputs`."""
from ..outputs import Output, index, with_roles

OUTPUTS = {
    "m_grid": Output("hidden dimension m", "1"),
    "p": Output("activation probability p_i of feature i (rank order)", "1"),
    "loss": Output("test loss (MSE over held-out samples and features)", "1"),
    "loss_se": Output("standard error of the test loss over samples", "1"),
    "overlap": Output("mean squared cosine of pairs of represented rows (|W_i| > 1/2)", "1"),
    "weighted_overlap": Output("mean squared cosine of represented rows, weighted by p_i p_j",
                               "1"),
    "norms": Output("row norm |W_i| after training", "1"),
    "bias": Output("bias b_i after training", "1"),
    "train_steps": Output("AdamW step of each recorded batch loss", "steps"),
    "train_loss": Output("batch training loss", "1"),
    "init_loss": Output("test loss of the untrained model (control)", "1"),
    "init_loss_se": Output("standard error of the untrained test loss", "1"),
    "init_overlap": Output("mean squared cosine of represented rows at initialisation", "1"),
    "init_weighted_overlap": Output("p_i p_j-weighted mean squared cosine at initialisation", "1"),
    "init_norms": Output("row norm |W_i| at initialisation", "1"),
    "seed_loss": Output("test loss of each replicate", "1"),
    "seed_loss_se": Output("standard error of each replicate's test loss", "1"),
    "seed_norms": Output("row norm |W_i| after training, each replicate", "1"),
    "seed_bias": Output("bias b_i after training, each replicate", "1"),
    "seed_init_loss": Output("untrained test loss of each replicate (control)", "1"),
    "seed_init_loss_se": Output("standard error of each replicate's untrained test loss", "1"),
    "seed_init_norms": Output("row norm |W_i| at initialisation, each replicate", "1"),
    "seed": index("independent replicate"),
    "width": index("hidden dimension"),
    "feature": index("feature i (rank order)"),
    "log": index("recorded training step"),
}

OUTPUTS = with_roles(
    OUTPUTS,
    figure={"overlap": "unweighted overlap drawn; the rows read the p_i p_j-weighted one",
            "init_overlap": "as overlap, at initialisation",
            "train_loss": "the training curve drawn; the rows read the held-out loss",
            "train_steps": "the training curve's steps",
            "loss": "replicate 0's held-out loss drawn; the rows read every replicate (seed_loss)",
            "loss_se": "replicate 0's error bars drawn; the rows read seed_loss_se",
            "init_loss": "replicate 0's untrained loss drawn; the rows read seed_init_loss",
            "init_loss_se": "its error bars drawn; the rows read seed_init_loss_se"},
    diagnostic={"bias": "the learnt biases, for inspection: the best bias p (1 - w) of a "
                        "represented row is derived (theory/superposition.py) but not a claim",
                "seed_bias": "as bias, each replicate"})
