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
}
