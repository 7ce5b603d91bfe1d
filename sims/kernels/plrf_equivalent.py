"""numba kernels for :mod:`sims.scaling_laws.equivalent` (same arguments and results as the generic ones)."""
import numpy as np
from numba import njit, prange


@njit(cache=True, error_model="numpy")
def _coefficients(lam, n, gamma):
    """eps_b = 1 - rho_b = 2 g lam_b - 2 g^2 lam_b^2 (without cancellation) and f_b = 2 g^2 n_b lam_b^2."""
    gl = gamma * lam
    return 2.0 * gl - 2.0 * gl * gl, 2.0 * gl * gl * n


@njit(cache=True, error_model="numpy")
def weighted_expected_loss(lam, n, w, gamma, p_inf, log_steps):
    """The node-aggregated expected-loss recursion, O(nodes) per step, loss recorded at ``log_steps``:
    A_b <- rho_b A_b + 2 g^2 lam_b P, P = sum_b n_b lam_b A_b / 2 + P_inf, A_b(0) = w_b / (n_b lam_b).
    Carries q_b = n_b lam_b A_b (so q_b(0) = w_b): q_b <- rho_b q_b + 2 g^2 n_b lam_b^2 P."""
    B = lam.size
    q = w.copy()
    eps, f = _coefficients(lam, n, gamma)
    rho = 1.0 - eps
    out = np.empty(log_steps.size)
    j = 0
    k = 0
    while j < log_steps.size:
        P = 0.0
        for i in range(B):
            P += q[i]
        P = 0.5 * P + p_inf
        while j < log_steps.size and log_steps[j] == k:
            out[j] = P
            j += 1
        if j == log_steps.size:
            break
        for i in range(B):
            q[i] = rho[i] * q[i] + f[i] * P
        k += 1
    return out


@njit(cache=True, error_model="numpy", fastmath={"contract", "reassoc", "nsz", "arcp"})
def _s_and_ds(m, u, om):
    """S = sum_q om_q u_q / (1 + u_q m) and dS/dm = -sum_q om_q u_q^2 / (1 + u_q m)^2, in real
    arithmetic (1/w = conj(w) / |w|^2: no complex-division library call, so the loop vectorises)."""
    mr, mi = m.real, m.imag
    sr = si = dr = di = 0.0
    for q in range(u.size):
        a = 1.0 + u[q] * mr
        b = u[q] * mi
        inv = 1.0 / (a * a + b * b)
        rr, ri = a * inv, -b * inv                  # r = 1 / (1 + u m)
        tr, ti = om[q] * u[q] * rr, om[q] * u[q] * ri
        sr += tr
        si += ti
        ur, ui = u[q] * rr, u[q] * ri               # t u r = (tr + i ti)(ur + i ui)
        dr -= tr * ur - ti * ui
        di -= tr * ui + ti * ur
    return complex(sr, si), complex(dr, di)


@njit(cache=True, error_model="numpy", fastmath={"contract", "reassoc", "nsz", "arcp"})
def resolvent_sums(m, u, w):
    """T_p = sum_q w_q / (1 + u_q m_p) for every m_p (real arithmetic, as :func:`_s_and_ds`)."""
    out = np.empty(m.size, dtype=np.complex128)
    for p in range(m.size):
        mr, mi = m[p].real, m[p].imag
        tr = ti = 0.0
        for q in range(u.size):
            a = 1.0 + u[q] * mr
            b = u[q] * mi
            c = w[q] / (a * a + b * b)
            tr += a * c
            ti -= b * c
        out[p] = complex(tr, ti)
    return out


@njit(cache=True, error_model="numpy")
def _newton(z, m, u, om, invd, maxit):
    """Newton on g(m) = m (-z + S(m)) - 1, S(m) = invd sum om u / (1 + u m). Returns (m, ok)."""
    for _ in range(maxit):
        S, dS = _s_and_ds(m, u, om)
        S *= invd
        dS *= invd
        g = m * (-z + S) - 1.0
        dg = -z + S + m * dS
        step = g / dg
        # damp steps that would more than halve or double |m| (keeps the iterate on one sheet)
        am = abs(m)
        if abs(step) > 0.5 * am:
            step *= 0.5 * am / abs(step)
        m = m - step
        if m.imag <= 0.0:
            m = complex(m.real, 1e-300 + 0.5 * abs(m.imag))
        if abs(step) <= 1e-12 * abs(m) or abs(g) <= 1e-14 * (1.0 + abs(m * S)):
            # final residual check, relative to the size of the terms
            S = _s_and_ds(m, u, om)[0] * invd
            res = abs(m * (-z + S) - 1.0) / (1.0 + abs(m * S))
            return m, res < 1e-10
    return m, False


@njit(cache=True, parallel=True)
def solve_stieltjes(x, eta, u, om, invd, eta0):
    """m(x_p + i eta_p) for every p: continuation in eta from eta0 (where m ~ -1/z) down to eta_p,
    Newton at each rung, the ratio between rungs grown on success and shrunk on failure.
    Returns m and a status (0 ok, 1 failed)."""
    P = x.size
    out = np.empty(P, dtype=np.complex128)
    status = np.zeros(P, dtype=np.int64)
    for p in prange(P):
        et = max(eta0, eta[p])
        z = complex(x[p], et)
        m, ok = _newton(z, -1.0 / z, u, om, invd, 60)
        if not ok:
            status[p] = 1
            out[p] = m
            continue
        ratio = 4.0
        while et > eta[p]:
            et_new = max(et / ratio, eta[p])
            m_new, ok = _newton(complex(x[p], et_new), m, u, om, invd, 40)
            if ok and m_new.imag > 0.0:
                m = m_new
                et = et_new
                ratio = min(ratio * 2.0, 16.0)
            else:
                ratio = np.sqrt(ratio)
                if ratio < 1.001:
                    status[p] = 1
                    break
        out[p] = m
    return out, status


@njit(cache=True, error_model="numpy")
def solve_stieltjes_ray(x, eta, u, om, invd, eta0):
    """As :func:`solve_stieltjes` for points along a smooth path (x ascending, eta ~ x): each point
    starts Newton from its upper neighbour's root, falling back to eta-continuation when that fails.
    The root with Im m > 0 is unique (Silverstein & Choi 1995), so a converged Newton iterate with
    Im m > 0 is the Stieltjes transform."""
    P = x.size
    out = np.empty(P, dtype=np.complex128)
    status = np.zeros(P, dtype=np.int64)
    have = False
    m = 0j
    for p in range(P - 1, -1, -1):
        ok = False
        if have:
            m_new, ok = _newton(complex(x[p], eta[p]), m, u, om, invd, 12)
            ok = ok and m_new.imag > 0.0
            if not ok:
                # sub-steps along the segment from the upper neighbour
                z0 = complex(x[p + 1], eta[p + 1])
                z1 = complex(x[p], eta[p])
                t, dt, mm = 0.0, 0.25, m
                while t < 1.0 and dt > 1e-6:
                    tn = min(1.0, t + dt)
                    m_try, ok_try = _newton(z0 + tn * (z1 - z0), mm, u, om, invd, 20)
                    if ok_try and m_try.imag > 0.0:
                        mm, t = m_try, tn
                        dt *= 2.0
                    else:
                        dt *= 0.25
                ok = t >= 1.0
                m_new = mm
        if not ok:
            one, st = solve_stieltjes(x[p:p + 1], eta[p:p + 1], u, om, invd, eta0)
            m_new = one[0]
            ok = st[0] == 0
        if ok:
            m = m_new
            have = True
        else:
            status[p] = 1
            have = False
        out[p] = m_new
    return out, status


@njit(cache=True, error_model="numpy")
def block_expected_loss(lam, n, w, gamma, p_inf, log_steps, h):
    """The same recursion advanced in blocks of Delta = max(1, floor(h k)) steps (never past the next
    logged step), exact when P(k) is linear in k over a block: q(k0 + Delta) = rho^Delta q(k0) +
    f [P0 (S0 - S1) + P1 S1], S0 = sum_i rho^(Delta-1-i), S1 = sum_i rho^(Delta-1-i) i / Delta, with
    P1 solved from its own definition (linear in P1). Delta = 1 is the exact recursion; the error of
    the linear interpolation is O(h^2) relative (second order, tested)."""
    B = lam.size
    q = w.copy()
    eps, f = _coefficients(lam, n, gamma)
    logrho = np.log1p(-eps)                       # per node, fixed over the run
    out = np.empty(log_steps.size)
    E = np.empty(B)
    S0 = np.empty(B)
    S1 = np.empty(B)
    P = 0.5 * q.sum() + p_inf
    j = 0
    k = 0
    while j < log_steps.size:
        while j < log_steps.size and log_steps[j] == k:
            out[j] = P
            j += 1
        if j == log_steps.size:
            break
        D = max(1, int(h * k))
        D = min(D, log_steps[j] - k)
        Dm = float(D)
        base = 0.0
        den = 0.0
        for i in range(B):
            e = eps[i]
            L = logrho[i]
            E[i] = np.exp(Dm * L)
            if D == 1:
                S0[i] = 1.0
                S1[i] = 0.0
            else:
                s0 = -np.expm1(Dm * L) / e
                x = Dm * e
                if x < 1e-6:                      # T = sum_{j<D} j rho^j, two-term series
                    N = Dm - 1.0
                    T = N * (N + 1.0) / 2.0 - e * N * (N + 1.0) * (2.0 * N + 1.0) / 6.0
                else:                             # T = rho dS0/drho, cancellation ~ 1e-16 / x
                    T = (1.0 - e) * ((1.0 - E[i]) - Dm * E[i] * e / (1.0 - e)) / (e * e)
                S0[i] = s0
                S1[i] = ((Dm - 1.0) * s0 - T) / Dm
            base += E[i] * q[i] + f[i] * (S0[i] - S1[i]) * P
            den += f[i] * S1[i]
        P1 = (0.5 * base + p_inf) / (1.0 - 0.5 * den)
        for i in range(B):
            q[i] = E[i] * q[i] + f[i] * ((S0[i] - S1[i]) * P + S1[i] * P1)
        P = P1
        k += D
    return out
