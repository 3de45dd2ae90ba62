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
  of them, a direction that changes no probability: a least-squares solve takes the derivative
  orthogonal to it. A binomial model with more free coefficients than rows solves in the rows'
  space instead (Woodbury: an ``(n + 1)``-square system, not a ``(p + 1)``-square one).
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
        p = expit(A @ theta[0])
        curvature = weights * p * (1 - p)  # the Hessian is A' diag(curvature) A, formed below unless not needed
        p_valid = expit(A_valid @ theta[0])
        proba = np.column_stack([1 - p_valid, p_valid])
        residual = (p_valid - (y_valid == 1))[:, None]  # d loss_i / d logit
    else:  # multinomial: one vector per class
        P = softmax(A @ theta.T, axis=1)
        hessian = _multinomial_hessian(A, P, weights)
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
    penalized, free = penalized.ravel(), free.ravel()
    mixed = np.where(penalized, (1 - l1_ratio) * theta.ravel() + l1_ratio * np.sign(theta.ravel()), 0.0)
    ridge = alpha * (1 - l1_ratio)
    if len(theta) == 1 and ridge > 0 and np.count_nonzero(free) > len(y) + 1:  # wide: n + 1 unknowns, not p + 1
        step = _binomial_step_in_row_space(A[:, free], curvature, ridge, mixed[free])
    else:
        if len(theta) == 1:
            hessian = A.T @ (A * curvature[:, None])
        hessian[np.diag_indices_from(hessian)] += ridge * penalized
        # H^-1 d g / d alpha by QR with column pivoting: ten or more times faster than an SVD on wide data
        # (a spline expansion), and any solution will do where H is singular (multinomial intercepts move
        # together), along which the validation gradient is 0
        step = lstsq(hessian[np.ix_(free, free)], mixed[free], lapack_driver="gelsy", check_finite=False)[0]
    return loss, float(-alpha * valid_grad[free] @ step)


def _binomial_step_in_row_space(A: np.ndarray, curvature: np.ndarray, ridge: float, mixed: np.ndarray) -> np.ndarray:
    """``H^-1 mixed`` for the binomial Hessian ``H = A' diag(curvature) A + ridge * (I - e e')`` (``e``
    the intercept, ``A``'s last column, unpenalized), by the Woodbury identity: ``H`` is ``ridge * I``
    plus a rank ``n + 1`` term ``U C U'`` with ``U = [A' diag(curvature)^1/2, e]`` and ``C = diag(1, ..., 1,
    -ridge)``, so only an ``(n + 1)``-square system is solved where the parameters are many more."""
    U = np.hstack([A.T * np.sqrt(curvature), np.eye(A.shape[1], 1, -(A.shape[1] - 1))])
    inner = U.T @ U / ridge
    inner[np.diag_indices_from(inner)] += np.append(np.ones(len(curvature)), -1.0 / ridge)
    correction = lstsq(inner, U.T @ mixed / ridge, lapack_driver="gelsy", check_finite=False)[0]
    return (mixed - U @ correction) / ridge


def _with_ones(X: np.ndarray) -> np.ndarray:
    return np.hstack([X, np.ones((len(X), 1))])


def _multinomial_hessian(A: np.ndarray, P: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Hessian of ``sum_i w_i * cross-entropy_i`` in the class-major parameters:
    block ``(k, l)`` is ``A' diag(w * (P_k [k == l] - P_k P_l)) A``."""
    n_classes, d = P.shape[1], A.shape[1]
    hessian = np.empty((n_classes * d, n_classes * d))
    for k in range(n_classes):
        for l in range(k, n_classes):
            curvature = weights * (P[:, k] * (k == l) - P[:, k] * P[:, l])
            block = A.T @ (A * curvature[:, None])
            hessian[k * d:(k + 1) * d, l * d:(l + 1) * d] = block
            hessian[l * d:(l + 1) * d, k * d:(k + 1) * d] = block.T
    return hessian
