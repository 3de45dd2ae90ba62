"""Hypergradients of linear models: how a fold's validation loss moves with ``log(alpha)``.

Both functions take the design matrices the model saw (after preprocessing) and return the
validation loss and its derivative with respect to ``log(alpha)``, where ``alpha`` weighs the
penalty against the *sum* of the training losses (Ridge's ``alpha``, LogisticRegression's ``1 / C``).

* Ridge (:func:`ridge_hypergradient`): exact, in closed form from the singular value decomposition
  of the centered training matrix ``Xc = U S V'``: ``w(alpha) = V diag(s / (s^2 + alpha)) U' yc``,
  so ``dw/dalpha = -V diag(s / (s^2 + alpha)^2) U' yc``.
* Logistic regression (:func:`logistic_hypergradient`): by implicit differentiation of the
  optimality condition ``g(theta, alpha) = grad L_train(theta) + alpha * grad P(theta) = 0``:
  ``dtheta/dalpha = -H^-1 grad P(theta)`` with ``H`` the Hessian of the regularized training loss,
  so ``dL_valid/dalpha = grad L_valid(theta)' dtheta/dalpha`` (validation-loss gradient times the
  inverse Hessian times the mixed derivative). With an L1 part the penalty is smooth on the
  coefficients that are not zero, and the derivative is taken there (those at zero stay there).
  The unpenalized intercepts make a multinomial Hessian singular along adding one constant to all
  of them, a direction that changes no probability: the last class's intercept is held where it is,
  which removes that direction and no other. A model with more free parameters than ``n m + m``
  (``n`` rows, ``m`` parameter vectors) solves in the rows' space instead (Woodbury: an
  ``(n m + m)``-square system, not one in every free parameter).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import lstsq
from scipy.special import expit, softmax

EPS = 1e-15
"""Probabilities are clipped to ``[EPS, 1]`` in the log loss, as :func:`metahpo.evaluation.score_predictions` does."""


def ridge_hypergradient(X: np.ndarray, y: np.ndarray, X_valid: np.ndarray, y_valid: np.ndarray,
                        alpha: float) -> tuple[float, float]:
    """Validation mean squared error of ridge regression (with an unpenalized intercept) fitted on
    ``X, y``, and its exact derivative with respect to ``log(alpha)``.

    Returns
    -------
    loss : float
    gradient : float
        ``d loss / d log(alpha)``.
    """
    x_mean, y_mean = X.mean(axis=0), y.mean()
    U, s, Vt = np.linalg.svd(X - x_mean, full_matrices=False)
    projected = U.T @ (y - y_mean)
    w = Vt.T @ (s / (s**2 + alpha) * projected)
    dw = -Vt.T @ (s / (s**2 + alpha) ** 2 * projected)  # d w / d alpha
    centered = X_valid - x_mean
    residual = y_valid - (centered @ w + y_mean)
    loss = float(np.mean(residual**2))
    return loss, float(alpha * np.mean(-2.0 * residual * (centered @ dw)))


def logistic_hypergradient(X: np.ndarray, y: np.ndarray, X_valid: np.ndarray, y_valid: np.ndarray,
                           coef: np.ndarray, intercept: np.ndarray, *, alpha: float, l1_ratio: float = 0.0,
                           sample_weight: np.ndarray | None = None) -> tuple[float, float]:
    """Validation log loss of a fitted logistic regression and its derivative with respect to
    ``log(alpha)`` by implicit differentiation.

    The model minimizes ``sum_i s_i loss_i + alpha * ((1 - l1_ratio) / 2 * |w|^2 + l1_ratio * |w|_1)``
    (scikit-learn's objective times ``alpha = 1 / C``); ``coef`` and ``intercept`` must be its
    minimizer, as a converged solver gives them.

    Parameters
    ----------
    X, X_valid : ndarray of shape (n, p), (n_valid, p)
    y : ndarray of int
        Training classes as indices into the model's classes.
    y_valid : ndarray of int
        Validation classes likewise, ``-1`` for a class the model never saw (its rows add a
        constant ``-log(EPS)`` and nothing to the gradient).
    coef : ndarray of shape (1, p) (binary) or (n_classes, p) (multinomial)
    intercept : ndarray of shape (1,) or (n_classes,)
    alpha, l1_ratio : float
    sample_weight : ndarray, optional
        The training rows' weights (class weights), as the model was fitted with.

    Returns
    -------
    loss : float
        Mean validation log loss.
    gradient : float
        ``d loss / d log(alpha)``.
    """
    A, A_valid = _with_ones(X), _with_ones(X_valid)
    theta = np.hstack([coef, intercept[:, None]])  # (m, p + 1), the intercept last
    weights = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    if len(theta) == 1:  # binomial: one vector, the probability of class 1
        P = expit(A @ theta[:1].T)
        p_valid = expit(A_valid @ theta[0])
        proba = np.column_stack([1 - p_valid, p_valid])
        residual = (p_valid - (y_valid == 1))[:, None]  # d loss_i / d logit
    else:  # multinomial: one vector per class
        P = softmax(A @ theta.T, axis=1)
        proba = softmax(A_valid @ theta.T, axis=1)
        residual = proba - np.eye(len(theta))[np.maximum(y_valid, 0)]
    known = y_valid >= 0
    true_proba = np.where(known, proba[np.arange(len(y_valid)), np.maximum(y_valid, 0)], 0.0)
    loss = float(np.mean(-np.log(np.clip(true_proba, EPS, 1.0))))
    residual = residual * (known & (true_proba > EPS))[:, None]  # clipped rows have no gradient
    valid_grad = (residual.T @ A_valid / len(y_valid)).ravel()  # d loss / d theta, class-major

    penalized = np.ones_like(theta, dtype=bool)
    penalized[:, -1] = False  # the intercepts
    free = ~penalized | (theta != 0) if l1_ratio > 0 else np.ones_like(theta, dtype=bool)
    if len(theta) > 1:
        free[-1, -1] = False  # the last intercept held: the intercepts' common shift changes no probability
    penalized, free = penalized.ravel(), free.ravel()
    mixed = np.where(penalized, (1 - l1_ratio) * theta.ravel() + l1_ratio * np.sign(theta.ravel()), 0.0)
    ridge = alpha * (1 - l1_ratio)
    if ridge > 0 and np.count_nonzero(free) > len(y) * len(theta) + len(theta):  # the rows'-space system's size
        step = _step_in_row_space(A, _factors(P, weights), ridge, mixed, free)
    else:
        hessian = _hessian(A, P, weights)
        hessian[np.diag_indices_from(hessian)] += ridge * penalized
        # H^-1 d g / d alpha by QR with column pivoting: ten or more times faster than an SVD on wide data
        # (a spline expansion)
        step = lstsq(hessian[np.ix_(free, free)], mixed[free], lapack_driver="gelsy", check_finite=False)[0]
    return loss, float(-alpha * valid_grad[free] @ step)


def _curvature(P: np.ndarray, weights: np.ndarray, k: int, l: int) -> np.ndarray:
    """Each row's second derivative of its weighted loss in its logits ``k`` and ``l``; ``P`` holds the
    probabilities the parameter vectors give (a binomial model's one column: class 1's)."""
    if P.shape[1] == 1:
        return weights * P[:, 0] * (1 - P[:, 0])
    return weights * (P[:, k] * (k == l) - P[:, k] * P[:, l])


def _factors(P: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``F`` of shape (n, m, m) with ``F_i F_i'`` row ``i``'s curvature in its logits (:func:`_curvature`):
    ``w (diag(p) - p p') = w (diag(sqrt p) - p sqrt(p)') (diag(sqrt p) - sqrt(p) p')``, since the
    probabilities sum to 1; a binomial model's is the square root of ``w p (1 - p)``."""
    if P.shape[1] == 1:
        return np.sqrt(_curvature(P, weights, 0, 0))[:, None, None]
    root = np.sqrt(P)
    return np.sqrt(weights)[:, None, None] * (root[:, :, None] * np.eye(P.shape[1]) - P[:, :, None] * root[:, None, :])


def _hessian(A: np.ndarray, P: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The Hessian of the weighted training loss in the class-major parameters, penalty aside:
    block ``(k, l)`` is ``A' diag(curvature_kl) A`` (:func:`_curvature`)."""
    m, d = P.shape[1], A.shape[1]
    hessian = np.empty((m * d, m * d))
    for k in range(m):
        for l in range(k, m):
            block = A.T @ (A * _curvature(P, weights, k, l)[:, None])
            hessian[k * d:(k + 1) * d, l * d:(l + 1) * d] = block
            hessian[l * d:(l + 1) * d, k * d:(k + 1) * d] = block.T
    return hessian


def _step_in_row_space(A: np.ndarray, factors: np.ndarray, ridge: float, mixed: np.ndarray,
                       free: np.ndarray) -> np.ndarray:
    """``H^-1 mixed`` on the free parameters, for ``H = U U' + ridge * (I - E E')``: ``U U'`` the
    Hessian of :func:`_hessian`, with a column ``F_i[:, j] kron a_i`` per row ``i`` and factor ``j``
    (:func:`_factors`), and ``E`` picking the intercepts (``A``'s last column, unpenalized). By the
    Woodbury identity, ``H`` is ``ridge * I`` plus ``V C V'`` with ``V = [U, s E]`` and ``C = diag(1, ...,
    1, -ridge / s^2, ...)``, so only an ``(n r + m)``-square system is solved where the parameters are
    many more. The intercepts' columns are scaled by ``s = max(ridge, 1)``: unscaled, their part of the
    system shrinks as ``1 / ridge^2`` and a large ``ridge`` lost it to rounding."""
    n, m, r = factors.shape
    d = A.shape[1]
    scale = max(ridge, 1.0)
    intercepts = np.zeros((m * d, m))
    intercepts[np.arange(m) * d + d - 1, np.arange(m)] = scale
    rows = np.einsum("ikj,if->kfij", factors, A).reshape(m * d, n * r)[free]
    V = np.hstack([rows, intercepts[free]])
    inner = V.T @ V / ridge
    inner[np.diag_indices_from(inner)] += np.append(np.ones(n * r), np.full(m, -scale**2 / ridge))
    correction = lstsq(inner, V.T @ mixed[free] / ridge, lapack_driver="gelsy", check_finite=False)[0]
    return (mixed[free] - V @ correction) / ridge


def _with_ones(X: np.ndarray) -> np.ndarray:
    return np.hstack([X, np.ones((len(X), 1))])
