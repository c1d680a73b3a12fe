"""Parameter updates, one array at a time. Functional: inputs are never changed, new arrays are
returned (a training loop applies them to every entry of its dict of parameters).

In the notation card's symbols (docs/NOTATION.md): theta a parameter (`param`), dtheta its
gradient (`grad`; never g, the LSTM's candidate), eta the step size (`learning_rate`), s an
optimiser's running sum or average of squared gradients (`cache`), beta RMSprop's decay
(`decay_rate`; Adam's beta_1, beta_2), epsilon the constant that keeps a division finite (`eps`):

    SGD      theta <- theta - eta dtheta
    Adagrad  s <- s + dtheta^2;                    theta <- theta - eta dtheta / sqrt(s + epsilon)
    RMSprop  s <- beta s + (1 - beta) dtheta^2;    theta <- theta - eta dtheta / (sqrt(s) + epsilon)
    Adam     moving averages (code `m`, `v`) of dtheta and dtheta^2, bias-corrected by
             1 - beta**t; theta <- theta - eta m_hat / (sqrt(v_hat) + epsilon)

Where epsilon goes: Adagrad adds it *inside* the square root (as in Karpathy's min-char-rnn);
RMSprop and Adam add it *outside* (as in cs231n and Kingma & Ba 2015). Each update uses the
*new* s / moments. Adagrad (notebooks 03 and 07) and RMSprop (04) are the adaptive optimisers
the course's learners write; Adam is here for comparison.
"""

from __future__ import annotations

import numpy as np

from rnn_numpy.shapes import Shapes


def _like_param(shapes: Shapes, name: str, value, ndim: int) -> np.ndarray:
    return shapes.floats(name, value, tuple(f"d{i}" for i in range(ndim)))


def _param(shapes: Shapes, param) -> np.ndarray:
    ndim = param.ndim if isinstance(param, np.ndarray) else np.ndim(param)
    return _like_param(shapes, "param", param, ndim)


def _rate(shapes: Shapes, name: str, value) -> float:
    value = shapes.positive_float(name, value, allow_zero=True)
    if value >= 1:
        raise ValueError(f"{shapes.function_name}: {name} must be in [0, 1), got {value}")
    return value


def sgd_step(param, grad, learning_rate):
    """One step of plain gradient descent.

    Inputs:
    - param: parameter array of any shape
    - grad: gradient of the loss with respect to param, same shape
    - learning_rate: a number > 0
    Returns:
    - new_param: param - learning_rate * grad, same shape
    """
    shapes = Shapes("sgd_step")
    param = _param(shapes, param)
    grad = _like_param(shapes, "grad", grad, param.ndim)
    learning_rate = shapes.positive_float("learning_rate", learning_rate)
    return param - learning_rate * grad


def adagrad_step(param, grad, cache, learning_rate, eps=1e-8):
    """One Adagrad step: each entry's step shrinks with the sum of its squared gradients so far.

    new_cache = cache + grad**2
    new_param = param - learning_rate * grad / sqrt(new_cache + eps)      (eps inside the root)
    Inputs:
    - param: parameter array of any shape
    - grad: gradient, same shape
    - cache: sum of all earlier squared gradients, same shape (zeros at the start)
    - learning_rate: a number > 0
    - eps: a small number > 0 that keeps the division finite
    Returns:
    - new_param, new_cache: arrays of param's shape
    """
    shapes = Shapes("adagrad_step")
    param = _param(shapes, param)
    grad = _like_param(shapes, "grad", grad, param.ndim)
    cache = _like_param(shapes, "cache", cache, param.ndim)
    learning_rate = shapes.positive_float("learning_rate", learning_rate)
    eps = shapes.positive_float("eps", eps)
    new_cache = cache + grad * grad
    return param - learning_rate * grad / np.sqrt(new_cache + eps), new_cache


def rmsprop_step(param, grad, cache, learning_rate, decay_rate=0.9, eps=1e-8):
    """One RMSprop step: divide by a running root-mean-square of recent gradients.

    new_cache = decay_rate * cache + (1 - decay_rate) * grad**2
    new_param = param - learning_rate * grad / (sqrt(new_cache) + eps)   (eps outside the root)
    Inputs:
    - param: parameter array of any shape
    - grad: gradient, same shape
    - cache: running mean of squared gradients, same shape (zeros at the start)
    - learning_rate: a number > 0
    - decay_rate: in [0, 1), how much of the old cache to keep
    - eps: a small number > 0 that keeps the division finite
    Returns:
    - new_param, new_cache: arrays of param's shape
    """
    shapes = Shapes("rmsprop_step")
    param = _param(shapes, param)
    grad = _like_param(shapes, "grad", grad, param.ndim)
    cache = _like_param(shapes, "cache", cache, param.ndim)
    learning_rate = shapes.positive_float("learning_rate", learning_rate)
    decay_rate = _rate(shapes, "decay_rate", decay_rate)
    eps = shapes.positive_float("eps", eps)
    new_cache = decay_rate * cache + (1 - decay_rate) * grad * grad
    return param - learning_rate * grad / (np.sqrt(new_cache) + eps), new_cache


def adam_step(param, grad, m, v, t, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step (Kingma & Ba 2015), with bias correction.

    m = beta1 * m + (1 - beta1) * grad          m_hat = m / (1 - beta1**t)
    v = beta2 * v + (1 - beta2) * grad**2       v_hat = v / (1 - beta2**t)
    new_param = param - learning_rate * m_hat / (sqrt(v_hat) + eps)      (eps outside the root)
    Inputs:
    - param: parameter array of any shape
    - grad: gradient, same shape
    - m, v: running means of grad and grad**2, same shape (zeros at the start)
    - t: the number of this step, counting from 1
    - learning_rate: a number > 0
    - beta1, beta2: in [0, 1); eps: a small number > 0
    Returns:
    - new_param, new_m, new_v: arrays of param's shape
    """
    shapes = Shapes("adam_step")
    param = _param(shapes, param)
    grad = _like_param(shapes, "grad", grad, param.ndim)
    m = _like_param(shapes, "m", m, param.ndim)
    v = _like_param(shapes, "v", v, param.ndim)
    t = shapes.positive_int("t", t)
    learning_rate = shapes.positive_float("learning_rate", learning_rate)
    beta1 = _rate(shapes, "beta1", beta1)
    beta2 = _rate(shapes, "beta2", beta2)
    eps = shapes.positive_float("eps", eps)
    new_m = beta1 * m + (1 - beta1) * grad
    new_v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = new_m / (1 - beta1**t)
    v_hat = new_v / (1 - beta2**t)
    return param - learning_rate * m_hat / (np.sqrt(v_hat) + eps), new_m, new_v
