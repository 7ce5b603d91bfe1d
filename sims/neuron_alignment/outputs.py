"""What the neuron-alignment arrays mean (long name, unit); see :mod:`sims.outputs`.

Times are in the run's units t; the paper's are c t with c = 1 (``reduction: sum``) or 1/n
(``mean``)."""
from ..outputs import Output, coordinate, index, with_roles

T = "gradient-flow time (run units)"
OUTPUTS = {
    "n": Output("number of training points n", "1"),
    "mu": Output("data separation mu (cosine of two signed inputs)", "1"),
    "eps": Output("initialisation scale eps (|w_j| = |v_j| = eps)", "1"),
    "t_align": Output("time when every neuron is aligned with its data centre or dead", T),
    "dt_align": Output("integrator step at the alignment time", T),
    "t_escape": Output("time when the loss first reaches half its initial value", T),
    "dt_escape": Output("integrator step at the escape time", T),
    "aligned_at_escape": Output("whether every neuron was aligned or dead at the escape time (1/0)",
                                "1"),
    "frac_ok_escape": Output("fraction of neurons aligned or dead at the escape time", "1"),
    "stable_rank": Output("stable rank |W|_F^2/|W|_2^2 at the end", "1"),
    "bal_err": Output("largest drift of the conserved balancedness v_j^2 - |w_j|^2", "1"),
    "lam": Output("growth rate lambda = c max(|x_+|, |x_-|) of an aligned neuron", "1/" + T),
    "x_min": Output("smallest input norm min_i |x_i|", "1"),
    "t_final": Output("time at the end of the run", T),
    "truncated": Output("whether max_steps ended the run before t_end (1/0)", "1"),
    "init_cos": Output("initial cosine of each neuron to its own data centre", "1"),
    "centre_rate": Output("rate c |x_{+-}| of each neuron's own data centre", "1/" + T),
    "t": coordinate("time of each recorded integrator step", T),
    "loss": Output("training loss L", "1"),
    "all_ok": Output("whether every neuron is aligned or dead (1/0)", "1"),
    "frac_ok": Output("fraction of neurons aligned or dead", "1"),
    "bal_err_t": Output("balancedness drift max_j |b_j(t) - b_j(0)|", "1"),
    "snap_t": Output("time of each snapshot", T),
    "cos_plus": Output("cosine of w_j to the positive data centre x_+", "1"),
    "cos_minus": Output("cosine of w_j to the negative data centre x_-", "1"),
    "norm_w": Output("norm |w_j| of each neuron's input weights", "1"),
    "v_t": Output("output weight v_j of each neuron", "1"),
    "neuron_class": Output("activation class of each neuron (0 dead, 1 S+, 2 S-, 3 mixed)", "1"),
    "svals": Output("singular values of W, descending", "1"),
    "W_final": Output("input weights W at the end of the run", "1"),
    "v_final": Output("output weights v at the end of the run", "1"),
    "X": Output("training inputs x_i (unit norm)", "1"),
    "y": Output("training labels y_i (+-1)", "1"),
    "order_steps": Output("integrator step of each halving run", "1"),
    "order_bal_err": Output("largest balancedness drift of each halving run", "1"),
    "order_bal_err_smooth": Output("balancedness drift since the last pattern change, per halving "
                                   "run", "1"),
    "order_norm_change": Output("largest change of v_j^2 + |w_j|^2, per halving run", "1"),
    "order_t_final": Output("final time of each halving run", T),
    "order_loss_final": Output("final loss of each halving run", "1"),
    "order_truncated": Output("whether each halving run was truncated (1/0)", "1"),
    "order_t_smooth": Output("clock t after M base steps (M 2^k halved steps) from the state after "
                             "the last pattern change, per halving", T),
    "order_loss_smooth": Output("loss after M base steps from the state after the last pattern "
                                "change, per halving", "1"),
    "order_smooth_crossed": Output("whether a pattern changed in the smooth-phase run after all "
                                   "(1/0), per halving", "1"),
    "step": index("recorded integrator step"),
    "snapshot": index("snapshot of the trajectory"),
    "neuron": index("hidden neuron j"),
    "singular": index("singular value rank"),
    "input": index("input coordinate"),
    "sample": index("training point i"),
    "halving": index("step halving k (step / 2^k)"),
}

OUTPUTS = with_roles(
    OUTPUTS,
    figure={"svals": "singular values of W over time (figure panel); the rank row reads "
                     "stable_rank"},
    diagnostic={
        "W_final": "the end state, for inspection and restarts",
        "v_final": "the end state, for inspection and restarts",
        "bal_err": "balancedness drift of the grid points: the order experiment claims it "
                   "(order_bal_err) where its step is halved; one step size cannot tell "
                   "integration error from a broken invariant",
        "bal_err_t": "as bal_err, along the trajectory",
        "frac_ok": "the fraction behind all_ok (which the alignment rows read)",
        "norm_w": "per-neuron norms drawn for inspection; the alignment rows read the cosines",
        "t_final": "the stopping time: the first step past t_end, an artefact of the step grid",
        "order_t_final": "the halving runs stop at the first step past t_end, so their end times "
                         "differ by up to a step (2.5e7, 2.2e7, 2.0e7 on quick): no order; the "
                         "clock's order is claimed at a common rescaled time (order_t_smooth)",
        "order_loss_final": "read at the step-dependent stopping time (see order_t_final); the "
                            "loss's order is claimed as order_loss_smooth",
    })
