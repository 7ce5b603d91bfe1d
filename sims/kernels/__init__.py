"""numba twins of generic array-API kernels; imported only by the numba backend (see sims.backend)."""
