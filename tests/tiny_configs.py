"""Tiny configs of every experiment kind of every simulator (seconds or less on one core), for the
fuzz tests and the robust-claims tests: simulator name -> list of config values."""
TINY = {
    "double_descent": [
        {"model": "linear", "n": 20, "ratios": [0.5, 1.0, 2.0], "seeds": 3, "budgets": [10, 1000],
         "ridge": [0.1], "check_steps": 5},
        {"model": "relu_rf", "n": 20, "d": 8, "n_test": 30, "ratios": [0.5, 1.0, 4.0], "seeds": 2,
         "budgets": [10, 1000], "ridge": [0.01, 0.1], "check_steps": 5},
    ],
}
