"""What the scaling-law arrays mean (long name, unit); see :mod:`sims.outputs`."""
from ..outputs import SEED, Output, coordinate, index, with_roles

OUTPUTS = {
    # mrs
    "n_grid": Output("number of features N or of samples P", "1"),
    "loss_vs_N": Output("test loss vs the number of features N (P = p_big samples)", "1"),
    "loss_vs_P": Output("test loss vs the number of samples P (N = p_big features)", "1"),
    "spike_ratios": Output("ratio N/P of features to samples (P = p_spike)", "1"),
    "loss_spike": Output("test loss of min-norm least squares near N = P", "1"),
    "loss_spike_ridge": Output("test loss of ridge on the same features near N = P (control)",
                               "1"),
    "finite_N": Output("number of features N with a finite latent dimension m_finite", "1"),
    "loss_finite": Output("test loss with a finite latent dimension", "1"),
    # plrf
    "log_steps": Output("SGD step of each record", "steps"),
    "exact_loss": Output("expected loss from the exact recursion", "1"),
    "mc_loss": Output("mean loss of the Monte-Carlo SGD runs", "1"),
    "mc_se": Output("standard error of the Monte-Carlo mean loss", "1"),
    "gd_loss": Output("expected loss without the SGD noise term (rival: gradient descent)", "1"),
    "half_lr_loss": Output("expected loss at half the learning rate (rival)", "1"),
    "d_grid": Output("model size d (parameters)", "1"),
    "limit_loss": Output("limit loss P_inf(d) = min_theta P(theta)", "1"),
    "eigenvalues": Output("eigenvalues lambda_i of H = W^T D W", "1"),
    "gamma": Output("SGD step gamma = lr / sum_j j^-2alpha", "1"),
    # compute_optimal
    "steps": Output("SGD steps r", "steps"),
    "curves": Output("expected loss E_W P(r, d)", "1"),
    "curves_sd": Output("standard deviation of the loss over W draws (0 on the equivalent)", "1"),
    "f_grid": Output("compute f = r d (parameter-steps)", "1"),
    "d_star": Output("compute-optimal size d*(f) (nan where the optimum is not interior)", "1"),
    "loss_star": Output("compute-optimal loss P*(f) = min_d P(f/d, d)", "1"),
    "check_steps": coordinate("SGD step of each check of the deterministic equivalent", "steps"),
    "check_equivalent": Output("deterministic-equivalent loss at co_check_d", "1"),
    "check_sampled": Output("loss averaged over sampled W at co_check_d", "1"),
    "check_sampled_se": Output("standard error of the sampled-W average", "1"),
    "check_gd": Output("deterministic-equivalent loss without the SGD noise term (rival)", "1"),
    # chinchilla
    "N": Output("parameters N of each synthetic point", "1"),
    "D": Output("training tokens D of each synthetic point", "1"),
    "L": Output("synthetic loss L(N, D) with log-noise, per noise draw", "1"),
    "params": Output("parameter of L = E + A/N^a + B/D^b", "1"),
    "stats": Output("bootstrapped statistic (a, b, b/(a+b))", "1"),
    "fit": Output("fit of (E, A, B, a, b) by the summed Huber loss", "1"),
    "fit_mean": Output("fit of (E, A, B, a, b) by the averaged objective (the known failure)",
                       "1"),
    "true": Output("generating constants (E, A, B, a, b)", "1"),
    "boot": Output("bootstrap refits of the statistics, per noise draw", "1"),
    "ci": Output("95% bootstrap interval of the statistics, per noise draw", "1"),
    "seed": SEED,
    "n": index("point of the N (or P) sweep"),
    "spike_ratio": index("point of the N/P sweep"),
    "finite_n": index("point of the finite-latent sweep"),
    "step": index("recorded step"),
    "width": index("model size"),
    "draw": index("draw of W"),
    "eigen": index("eigenvalue rank i"),
    "compute": index("compute budget"),
    "check_step": index("check step"),
    "point": index("synthetic (N, D) point"),
    "param": index("parameter"),
    "stat": index("statistic"),
    "replicate": index("bootstrap replicate"),
    "noise_draw": index("independent noise draw of the synthetic L(N, D) table"),
    "bound": index("interval bound", ("2.5%", "97.5%")),
}

OUTPUTS = with_roles(
    OUTPUTS, axis=("steps", "gamma", "D", "params"),
    figure={"curves": "the loss curves E_W P(r, d) drawn; the compute-optimal rows read their "
                      "minimisers d_star and loss_star",
            "finite_N": "the finite-latent sweep drawn (figure panel): no row yet",
            "loss_finite": "the finite-latent plateau drawn (figure panel): theory gives its "
                           "level (Maloney et al. Sec. 5) but no row checks it yet"},
    diagnostic={
        "curves_sd": "spread over W draws (0 on the equivalent), for inspection",
        "eigenvalues": "spectrum of H = W^T D W, for inspection; the rows read the losses it "
                       "produces",
        "stats": "the generating statistics (a, b, b/(a+b)) echoed; the rows read true and boot",
    })
