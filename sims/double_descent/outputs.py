"""What the double-descent arrays mean (long name, unit); see :mod:`sims.outputs`."""
from ..outputs import SEED, Output, coordinate, index, with_roles

_RISK = "1"          # squared norm of a parameter error, or a mean squared error: target units^2
OUTPUTS = {
    "ratios": Output("overparametrisation ratio p/n (linear) or N/n (random features)", "1"),
    "widths": coordinate("number of features p (linear) or N (random features)"),
    "budgets": Output("GD budget t (steps from zero; inf: the min-norm limit)", "steps"),
    "ridge": Output("ridge penalty lambda of (lambda/2)|a|^2", "1"),
    "filter_names": Output("spectral filter (estimator)", "1"),
    "condition": Output("condition number s_max/s_min of the design", "1"),
    "closed_form_check": Output("relative gap of the closed-form GD filter to explicit GD steps "
                                "(seed 0)", "1"),
    "closed_form_off_by_one": Output("relative gap of the closed-form GD filter at check_steps - 1 "
                                     "to check_steps explicit GD steps (seed 0; the control of "
                                     "closed_form_check)", "1"),
    "min_norm_risk": Output("test risk of the min-norm interpolator (linear: |a - beta|^2; "
                            "random features: test MSE)", _RISK),
    "min_norm_train": Output("training loss |Za - y|^2/(2n) of the min-norm interpolator", _RISK),
    "gd_risk": Output("test risk after t GD steps from zero", _RISK),
    "gd_train": Output("training loss |Za - y|^2/(2n) after t GD steps", _RISK),
    "ridge_risk": Output("test risk of ridge regression", _RISK),
    "ridge_train": Output("training loss |Za - y|^2/(2n) of ridge regression", _RISK),
    "ridge_opt_risk": Output("test risk of ridge at the optimal penalty sigma^2 gamma / r^2",
                             _RISK),
    "ridge_opt_train": Output("training loss of ridge at the optimal penalty", _RISK),
    "gram_sq": Output("|G|_F^2 of the feature Gram G = Z Z^T / N at the largest width "
                      "(random features)", "1"),
    "gram_kernel": Output("<G, K1>_F: the feature Gram against the arc-cosine kernel K1 of the "
                          "inputs (random features)", "1"),
    "kernel_sq": Output("|K1|_F^2 of the arc-cosine kernel of the inputs (random features)", "1"),
    "gram_var": Output("predicted E |G - K1|_F^2 = sum (K2 - K1^2) / N (theory.double_descent; "
                       "random features)", "1"),
    "seed": SEED,
    "ratio": index("point of the ratio sweep"),
    "budget": index("GD budget"),
    "penalty": index("ridge penalty"),
    "filter": index("spectral filter"),
}

OUTPUTS = with_roles(
    OUTPUTS, axis=("filter_names", "ridge"),
    diagnostic={
        "ridge_train": "training loss of ridge at the grid penalties: a finite-n formula exists "
                       "(Hastie et al. Sec. 5) but no row checks it; the risk rows read the risks",
        "ridge_opt_train": "training loss at the optimal penalty: as ridge_train",
    })
