"""Tiny configs of every experiment kind of every simulator (seconds or less on one core), for the
fuzz tests and the robust-claims tests: simulator name -> list of config values. A simulator outside
the repository adds its own from the YAML file named by $SIMS_TINY_CONFIGS ({name: [config, ...]})."""
import os

import yaml

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
        {"kind": "coord_check", "params": ["standard", "ntk", "mup"], "widths": [16, 32, 64],
         "base_width": 8, "d": 4, "n_data": 8, "lrs": [2.0], "records": 3, "seeds": 2},
        {"kind": "eos", "params": ["standard"], "init": "xavier", "gains": [1.9, 1.0],
         "bias": True, "act": "tanh", "depth": 2, "widths": [16], "d": 1, "n_data": 8,
         "lrs": [3.0], "flow_log_every": 20, "steps": 60, "log_every": 20, "lanczos_tol": 1.0e-6},
        {"kind": "eos", "params": ["standard"], "init": "xavier", "gains": [1.9, 1.0, 1.0],
         "bias": False, "act": "tanh", "depth": 3, "widths": [16], "d": 1, "n_data": 8,
         "lrs": [3.0], "flow_log_every": 20, "steps": 60, "log_every": 20, "lanczos_tol": 1.0e-6},
        {"kind": "gauss_newton", "params": ["ntk"], "act": "tanh", "widths": [16], "d": 4,
         "n_data": 8, "lrs": [2.0], "steps": 40, "log_every": 20, "lanczos_tol": 1.0e-10},
        {"kind": "sgd_lstsq", "rows": 5, "cols": 20, "lrs": [0.5, 3.0], "batch": 1, "steps": 50},
        {"kind": "sgd_net", "params": ["ntk"], "act": "tanh", "widths": [16], "d": 4, "n_data": 8,
         "lrs": [1.0, 4.0], "batch": 1, "steps": 30, "seeds": 1, "probes": 4,
         "lanczos_tol": 1.0e-6},
    ],
    "superposition": [
        {"n": 32, "m_grid": [4, 8], "alpha": 1.2, "gamma": -1.0, "steps": 40, "batch": 16,
         "b_init": 1.0, "eval_batch": 256},
        {"n": 32, "m_grid": [4, 8], "alpha": 1.5, "gamma": 2.0, "steps": 40, "batch": 16,
         "b_init": 0.0, "eval_batch": 256},
    ],
    "neural_collapse": [
        {"counts": [6, 6, 6], "depths": [1, 2], "d": 4, "lambda_W": 0.02, "lambda_H": 0.02,
         "lr": 0.2},
        {"counts": [10, 5, 3], "depths": [1], "d": 4, "lambda_W": 0.02, "lambda_H": 0.02, "lr": 0.2},
        {"counts": [8, 8, 8], "ratios": [1, 2, 4], "depths": [1], "d": 4, "lambda_W": 0.02,
         "lambda_H": 0.02, "lr": 0.2},
        {"counts": [6, 6, 6], "depths": [1], "loss": "ce", "bias": True, "d": 4, "lambda_W": 0.01,
         "lambda_H": 0.01, "lr": 0.5},
        {"counts": [6, 6, 6], "depths": [1], "bias": True, "d": 4, "lambda_W": 0.01,
         "lambda_H": 0.01, "lr": 0.5},
        {"counts": [6, 6, 6], "depths": [1], "d": 2, "lambda_W": 0.01, "lambda_H": 0.01,
         "lr": 0.3},          # d < K with the K = 3 of the others (a comparable control)
    ],
    "grokking": [
        {"M": 7, "K": 16, "train_fraction": 0.6, "steps": 60, "record_every": 10,
         "spectrum_nodes": 8, "indep_steps": 10},
        {"M": 7, "K": 16, "train_fraction": 0.6, "weight_decay": 0.0, "steps": 60,
         "record_every": 10, "spectrum_nodes": 8, "indep_steps": 10},
        {"M": 7, "K": 16, "train_fraction": 0.6, "labels": "shuffled", "steps": 60,
         "record_every": 10, "spectrum_nodes": 8, "indep_steps": 10},
        {"kind": "stage2", "M": 7, "K": 16, "train_fraction": 0.9, "steps": 10, "record_every": 2,
         "indep_record": 1, "indep_steps": 10, "seeds": 2, "spectrum_nodes": 8},
        {"M": 6, "group": "dihedral", "K": 16, "train_fraction": 0.6, "steps": 60,
         "record_every": 10, "spectrum_nodes": 8, "indep_steps": 10},
        {"M": 6, "group": "dihedral", "K": 16, "train_fraction": 0.6, "labels": "shuffled",
         "steps": 60, "record_every": 10, "spectrum_nodes": 8, "indep_steps": 10},
        {"kind": "sweep", "sweep_M": [5, 7, 11], "K": 16, "steps": 60, "seeds": 1,
         "bracket": "absolute", "low": 0.2, "high": 0.8, "bisect": 2},
    ],
    "scaling_laws": [
        {"model": "mrs", "alpha": 1.5, "m_latent": 256, "m_finite": 16, "n_grid": [8, 16],
         "p_big": 128, "p_spike": 16, "spike_ratios": [0.5, 1.0, 2.0], "seeds": 2},
        {"model": "plrf", "alpha": 1.0, "beta": 0.75, "d": 8, "v_ratio": 4, "lr": 0.2, "steps": 50,
         "runs": 64, "n_log": 8, "d_grid": [8, 16], "w_draws": 2},
        {"model": "chinchilla", "noise": 0.005, "chin_grid": 6, "bootstrap": 4, "draws": 3},
        {"model": "compute_optimal", "alpha": 1.0, "beta": 0.75, "lr": 0.5, "co_d_min": 8,
         "co_d_max": 32, "co_n_d": 3, "co_steps": 200, "co_n_f": 8, "co_draws": 2},
        {"model": "compute_optimal", "co_method": "equivalent", "alpha": 0.4, "beta": 0.3,
         "lr": 0.5, "co_d_min": 100, "co_d_max": 10000, "co_n_d": 3, "co_steps": 100000,
         "co_n_f": 8, "co_draws": 2, "co_check_d": 16, "co_check_steps": 200},
    ],
}

if os.environ.get("SIMS_TINY_CONFIGS"):
    with open(os.environ["SIMS_TINY_CONFIGS"]) as fh:
        TINY.update(yaml.safe_load(fh))
