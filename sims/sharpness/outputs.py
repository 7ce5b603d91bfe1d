"""What the sharpness arrays mean (long name, unit); see :mod:`sims.outputs`."""
from ..outputs import SEED, Output, coordinate, index, with_roles

OUTPUTS = {
    "widths": Output("hidden width n", "1"),
    "params": Output("parametrisation (ntk, mup, standard)", "1"),
    "logs": Output("GD step of each record", "steps"),
    "lrs": Output("learning rate (lr_transfer: base rate before the width scaling; sgd_net: the "
                  "step eta used)", "1"),
    "factors": Output("step-size factor c of eta = 2/(c lambda_0)", "1"),
    "methods": Output("optimiser (gd: full batch, sgd: minibatch)", "1"),
    "err_max": Output("largest entry error |Theta_n - Theta_inf| of the empirical NTK", "1"),
    "err_rms": Output("RMS entry error of the empirical NTK", "1"),
    "ntk_emp": Output("empirical NTK Theta_n = J J^T at initialisation", "1"),
    "ntk_theory": Output("infinite-width ReLU NTK Theta_inf (arc-cosine kernel)", "1"),
    "X": Output("training inputs, one column per sample", "1"),
    "targets": Output("training targets y_i (the teacher's, unit RMS)", "1"),
    "sharpness": Output("sharpness lambda_max(H) of the training loss", "1"),
    "loss": Output("training loss (1/2N) sum_i (f(x_i) - y_i)^2", "1"),
    "feature_move": Output("relative movement |h_1(t) - h_1(0)|/|h_1(0)| of the first hidden "
                           "layer's features", "1"),
    "eta": Output("GD step size eta", "1"),
    "l1": Output("microsoft/mup's coord-check statistic l1 = mean |x| over units and samples of a "
                 "layer output (z, h, f) or of its change from init (dz, dh, df)", "1"),
    "coordinates": Output("coord-check quantity: z = m_1 W_1 x (pre-activation), h = phi(z), f "
                          "(output), dz, dh, df (their changes from init)", "1"),
    "final_loss": Output("training loss after the run's GD steps (inf: diverged)", "1"),
    "lambda0": Output("sharpness lambda_max(H) at initialisation", "1"),
    "flow_logs": coordinate("GD step k at which the gradient flow is recorded (at time k eta of "
                            "each run)", "steps"),
    "flow_sharpness": Output("sharpness lambda_max(H) of the gradient flow from the GD runs' "
                             "init at time t = k eta of each run", "1"),
    "flow_time": Output("training time t = k eta of each flow record (the GD run's step times "
                        "its eta)", "1"),
    "flow_loss": Output("training loss of the gradient flow at time t = k eta of each run", "1"),
    "hvp_fd_gap": Output("|H v - D| / |D| at the run's last state: the Hessian-vector product "
                         "against the central difference D of the gradient (step e/2) along a "
                         "random unit v (sims.sharpness.fd_check)", "1"),
    "gn_fd_gap": Output("|G v - D| / |D| at the same state and v: the Gauss-Newton product "
                        "(drops the residual term)", "1"),
    "fd_spread": Output("|D(e) - D(e/2)| / |D(e/2)|: the central difference's own error "
                        "estimate (about 3x its truncation error)", "1"),
    "gn_top": Output("top eigenvalue of the Gauss-Newton matrix J^T J/N", "1"),
    "ntk_top_over_n": Output("top eigenvalue of the empirical NTK divided by N", "1"),
    "rel_error": Output("relative prediction error |X(w - w*)|/|X(w_0 - w*)| at the end "
                        "(inf: overflowed)", "1"),
    "lambda_max": Output("largest eigenvalue of the least-squares Hessian H", "1"),
    "trace": Output("trace of the Hessian (sgd_net: Hutchinson estimate)", "1"),
    "lam": Output("sharpness lambda_max(H) at the end of the run", "1"),
    "trace_se": Output("standard error of the Hutchinson trace estimate", "1"),
    "seed": SEED,
    "width": index("hidden width"),
    "param": index("parametrisation"),
    "step": index("recorded GD step"),
    "lr": index("learning rate"),
    "run": index("run (step-size factor)"),
    "flow_step": index("recorded step of the gradient flow"),
    "method": index("optimiser"),
    "coordinate": index("coord-check quantity (z, h, f, dz, dh, df)"),
    "sample": index("training sample i"),
    "sample_": index("training sample j"),
    "feature": index("input coordinate"),
}

OUTPUTS = with_roles(
    OUTPUTS,
    figure={"err_max": "largest NTK entry error drawn beside err_rms (which the rate row reads)",
            "gn_top": "lambda_max of J^T J/N along GD (gauss_newton kind, figure panel f): GN = "
                      "NTK/N is an identity tested in tests/; no row yet compares it with H",
            "ntk_top_over_n": "as gn_top (figure panel f)"},
    diagnostic={
        "lam": "end sharpness of the SGD runs, for inspection; the stability rows read "
               "rel_error and trace",
        "lambda0": "sharpness at init: sets the step eta = 2/(c lambda_0), read through eta",
        "flow_loss": "the gradient flow's loss, for inspection: the rows judge its sharpness",
        "ntk_theory": "the arc-cosine kernel: the rows recompute it from theory, not from the "
                      "run",
    })
