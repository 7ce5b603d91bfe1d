"""Tiny configs of every experiment kind of every simulator (seconds or less on one core), for the
fuzz tests and the robust-claims tests: simulator name -> list of config values."""
TINY = {
    "double_descent": [
        {"model": "linear", "n": 20, "ratios": [0.5, 1.0, 2.0], "seeds": 3, "budgets": [10, 1000],
         "ridge": [0.1], "check_steps": 5},
        {"model": "relu_rf", "n": 20, "d": 8, "n_test": 30, "ratios": [0.5, 1.0, 4.0], "seeds": 2,
         "budgets": [10, 1000], "ridge": [0.01, 0.1], "check_steps": 5},
    ],
    "neuron_alignment": [
        {"n": [6], "mu": [0.3], "eps": [1.0e-4], "d": 10, "width": 8, "step": 0.1, "t_end": 1.0e+4,
         "record_every": 4},
        {"n": [6], "mu": [0.3], "eps": [1.0], "d": 10, "width": 8, "step": 0.05, "t_end": 1.0e+2},
        {"n": [6], "mu": [0.3], "eps": [1.0e-3, 1.0e-5], "d": 10, "width": 8, "step": 0.1,
         "t_end": 1.0e+3, "stop_loss": 0.25},
        {"n": [4, 8], "mu": [0.2, 0.5], "eps": [1.0e-5], "d": 12, "width": 8, "step": 0.1,
         "t_end": 1.0e+3, "stop_loss": 0.25},
        {"n": [6], "mu": [0.3], "eps": [1.0e-2], "d": 10, "width": 8, "step": 0.2, "t_end": 1.0e+4,
         "halvings": 1},
    ],
    "sharpness": [
        {"kind": "ntk_init", "params": ["ntk"], "act": "relu", "depth": 2, "widths": [50, 200],
         "d": 3, "n_data": 4, "seeds": 2},
        {"kind": "width_sweep", "params": ["ntk", "mup"], "act": "tanh", "widths": [16, 32],
         "base_width": 8, "d": 4, "n_data": 8, "lrs": [1.0], "steps": 40, "log_every": 20,
         "seeds": 1, "lanczos_tol": 1.0e-6},
        {"kind": "lr_transfer", "params": ["standard", "mup"], "act": "tanh", "widths": [16, 32],
         "base_width": 8, "d": 4, "n_data": 8, "lrs": [0.25, 1.0, 4.0], "steps": 10, "seeds": 1},
        {"kind": "eos", "params": ["standard"], "init": "xavier", "gains": [1.9, 1.0, 1.0],
         "act": "tanh", "depth": 3, "widths": [16], "d": 1, "n_data": 8, "lrs": [3.0],
         "control_factor": 8.0, "steps": 60, "log_every": 20, "lanczos_tol": 1.0e-6},
        {"kind": "gauss_newton", "params": ["ntk"], "act": "tanh", "widths": [16], "d": 4,
         "n_data": 8, "lrs": [2.0], "steps": 40, "log_every": 20, "lanczos_tol": 1.0e-10},
        {"kind": "sgd_lstsq", "rows": 5, "cols": 20, "lrs": [0.5, 3.0], "batch": 1, "steps": 50},
        {"kind": "sgd_net", "params": ["ntk"], "act": "tanh", "widths": [16], "d": 4, "n_data": 8,
         "lrs": [1.0, 4.0], "batch": 1, "steps": 30, "seeds": 1, "probes": 4,
         "lanczos_tol": 1.0e-6},
    ],
}
