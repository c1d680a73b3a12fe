"""How far a centred difference may lie from the true derivative, in float64: the tolerance of a
gradient check, derived from the step and the magnitudes involved.

Symbols as in docs/NOTATION.md: Delta is the step of the difference (the argument `eps` of these
functions and of notebook 03's `numerical_gradient`; the notebooks' CHECK_STEP), eps_mach is
float64's machine epsilon. `numerical_gradient(f, x, eps)` estimates the derivative of a scalar f
along entry i by the centred difference

    num_i(Delta) = (f(x + Delta e_i) - f(x - Delta e_i)) / (2 Delta).

Two errors separate num_i(Delta) from the true derivative:

- **Truncation.** Taylor's theorem gives
  num_i(Delta) = df/dx_i + Delta^2 / 6 * f'''_i + O(Delta^4), f'''_i the third derivative of f
  along entry i. It is not known in advance, but the same difference with the step 2 Delta
  carries 4 times that error, so num_i(2 Delta) - num_i(Delta) ~ 3 * Delta^2 / 6 * f'''_i: a
  third of it estimates the truncation at Delta.
- **Rounding.** f is computed in float64, with the machine epsilon eps_mach = 2.2e-16: each value
  of f is off by about eps_mach * F, where F is the size of the numbers f adds up (for
  f = sum(h * dh), F = sum(|h * dh|); not |f|, which cancellation can make small). The difference
  of two such values, divided by 2 Delta, is off by about eps_mach * F / Delta.

A correct backward pass therefore differs from num_i(Delta) by about

    bound_i = |num_i(2 Delta) - num_i(Delta)| / 3 + eps_mach * F / Delta,

and `finite_difference_bound` returns SLACK times that (both terms are estimates of a size, not
limits). A wrong backward pass is off by about the size of the gradient itself, many orders of
magnitude more. With Delta = 1e-5 and F of a few units both terms are about 1e-10.

`largest_gap` runs both differences with the notebook's own `numerical_gradient` and returns the
largest |analytic - num_i(Delta)| / bound_i: notebooks 03, 05 and 06 assert it is at most 1.

Why not a threshold on the relative error |analytic - num| / (|analytic| + |num|)? For an entry
of absolute value 1e-5 the rounding alone gives a relative error of about
eps_mach * F / (Delta * 1e-5) = 1e-10 / 1e-5 = 1e-5, from a correct backward pass. No single
relative threshold suits both the large and the tiny entries of one gradient; the bound above
does, entry by entry.
"""

from __future__ import annotations

import numpy as np

FLOAT64_EPSILON = float(np.finfo(np.float64).eps)  # eps_mach: float64's spacing near 1
# Both terms of the bound are orders of magnitude (a few roundings per value of f, the next term
# of the Taylor series): allow SLACK times their sum. Over seeds 0-199 of notebook 06's gradient
# check, the largest error of a correct backward pass was 1.4 times the unscaled sum (0.14 of
# the bound), while the relative error passed 1e-6 at 34 of those seeds (up to 1.6e-5);
# tests/library/test_gradient_check.py measures both again on seeds 0-11.
SLACK = 10.0


def finite_difference_bound(numerical, numerical_double_step, *, scale, eps):
    """How far a correct gradient may lie from a centred difference, entry by entry.

    Inputs:
    - numerical: the centred difference with the step Delta = eps, num(Delta), a float64 array
    - numerical_double_step: the same with the step 2 Delta, num(2 Delta), an array of its shape
    - scale: F, the size of the numbers f adds up (a number >= 0; sum(|h * dh|) for
      f = sum(h * dh))
    - eps: Delta, the step of `numerical` (a number > 0)
    Returns:
    - bound: array of numerical's shape,
      SLACK * (|num(2 Delta) - num(Delta)| / 3 + eps_mach * F / Delta)
    """
    numerical = np.asarray(numerical, dtype=np.float64)
    numerical_double_step = np.asarray(numerical_double_step, dtype=np.float64)
    if numerical.shape != numerical_double_step.shape:
        raise ValueError(
            f"finite_difference_bound: the two differences must have one shape, got "
            f"{numerical.shape} and {numerical_double_step.shape}"
        )
    if not (np.isfinite(scale) and scale >= 0 and np.isfinite(eps) and eps > 0):
        raise ValueError(
            f"finite_difference_bound: need scale >= 0 and eps > 0, got {scale!r}, {eps!r}"
        )
    truncation = np.abs(numerical_double_step - numerical) / 3
    rounding = FLOAT64_EPSILON * float(scale) / float(eps)
    return SLACK * (truncation + rounding)


def largest_gap(analytic, loss, x, *, scale, eps, numerical_gradient):
    """Compare an analytic gradient with centred differences, in units of the bound.

    A matrix of derivatives, such as the Jacobian J = dh/dz of a vector h, is checked through
    the scalar loss u . h for a fixed random u: its gradient on z is u @ J.
    Inputs:
    - analytic: the gradient of the scalar loss(x) on x, an array of x's shape
    - loss: a function of x returning a number (it may ignore its argument and read x through
      a closure: numerical_gradient moves x's entries in place)
    - x: the float64 array the gradient is taken on
    - scale: F of finite_difference_bound, the size of the numbers loss adds up
    - eps: Delta, the step of the centred difference (a number > 0)
    - numerical_gradient: numerical_gradient(f, x, eps) -> num(Delta) (notebook 03's function)
    Returns:
    - numerical: num(Delta), an array of x's shape
    - gap: max over x's entries of |analytic - num(Delta)| / bound, a float (<= 1: as close as
      finite differences can tell)
    """
    numerical = numerical_gradient(loss, x, eps)
    bound = finite_difference_bound(
        numerical, numerical_gradient(loss, x, 2 * eps), scale=scale, eps=eps
    )
    gap = np.abs(np.asarray(analytic, dtype=np.float64) - numerical) / bound
    return numerical, float(np.max(gap))
