"""The landmark learners of the meta-features, in NumPy, without scikit-learn.

A landmarker is a fast, simple learner whose cross-validated score says something about a dataset
(how far one split gets, whether neighbours agree, whether the signal is linear). These are the
five of :mod:`metahpo.metafeatures`, written against NumPy so that describing a dataset does not
import scikit-learn, which alone takes longer than the rest of ``metahpo recommend``. Each follows
the scikit-learn estimator it stands for, defaults included, and gives the same predictions up to
ties and solver tolerance (``tests/test_landmarkers.py`` holds them to that):

========================  =================================================================
``stump``, ``tree``       ``DecisionTreeClassifier`` / ``DecisionTreeRegressor`` of a given
                          depth (Gini / squared error, thresholds midway between values)
``nearest_neighbor``     ``StandardScaler`` then ``KNeighborsClassifier/Regressor(1)``
``naive_bayes``           ``GaussianNB``
``binned_ridge``          ``KBinsDiscretizer(10, "onehot", "quantile")`` then ``Ridge(1.0)``
``linear``                ``StandardScaler`` then ``LogisticRegression()`` / ``Ridge(1.0)``
========================  =================================================================

Every learner is a function ``(x_train, y_train, x_test) -> predictions``; classification
targets are integer codes ``0..K-1``. :func:`folds` reproduces scikit-learn's shuffled
``StratifiedKFold`` / ``KFold`` splits for a seed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

Learner = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]

_FEATURE_THRESHOLD = 1e-7
"""Values closer than this are one value to a tree split, as in scikit-learn."""

_EPSILON = np.finfo(float).eps


def folds(target: np.ndarray, n_folds: int, random_state: int, *,
          stratified: bool) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shuffled cross-validation folds, as ``(train, test)`` index pairs.

    The same splits as scikit-learn's ``StratifiedKFold`` (``stratified=True``, for integer
    class codes) or ``KFold`` with ``shuffle=True`` and ``random_state``.
    """
    rng = np.random.RandomState(random_state)
    n = len(target)
    if stratified:
        # Classes numbered by first appearance, each dealt to folds round robin, then shuffled.
        _, first, inverse = np.unique(target, return_index=True, return_inverse=True)
        encoded = np.argsort(np.argsort(first))[inverse]
        ordered = np.sort(encoded)
        allocation = np.array([np.bincount(ordered[i::n_folds], minlength=len(first)) for i in range(n_folds)])
        test_fold = np.empty(n, dtype=int)
        for k in range(len(first)):
            fold_of_class = np.arange(n_folds).repeat(allocation[:, k])
            rng.shuffle(fold_of_class)
            test_fold[encoded == k] = fold_of_class
        tests = [np.flatnonzero(test_fold == i) for i in range(n_folds)]
    else:
        order = np.arange(n)
        rng.shuffle(order)
        sizes = np.full(n_folds, n // n_folds)
        sizes[: n % n_folds] += 1
        tests = [np.sort(test) for test in np.split(order, np.cumsum(sizes)[:-1])]
    return [(np.setdiff1d(np.arange(n), test, assume_unique=True), test) for test in tests]


# --------------------------------------------------------------------------- trees


def tree(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, *, max_depth: int,
         classification: bool) -> np.ndarray:
    """A CART tree grown to ``max_depth``: the best split of every impure node, greedily.

    Features are compared in single precision, as scikit-learn's trees store them.
    """
    x_train, x_test = x_train.astype(np.float32).astype(float), x_test.astype(np.float32).astype(float)
    if classification:
        n_classes = int(y_train.max()) + 1
        targets = np.eye(n_classes)[y_train]
    else:
        targets = y_train.astype(float)[:, None]
    node_of_test = np.zeros(len(x_test), dtype=int)
    leaves = {0: np.arange(len(x_train))}
    values: dict[int, np.ndarray] = {}
    for depth in range(max_depth + 1):
        grown = {}
        for node, rows in leaves.items():
            split = None if depth == max_depth else _best_split(x_train[rows], targets[rows], classification)
            if split is None:
                values[node] = targets[rows].mean(axis=0)
                continue
            feature, threshold = split
            left = x_train[rows, feature] <= threshold
            grown[2 * node + 1], grown[2 * node + 2] = rows[left], rows[~left]
            at_node = node_of_test == node
            node_of_test[at_node] = np.where(x_test[at_node, feature] <= threshold, 2 * node + 1, 2 * node + 2)
        leaves = grown
    predicted = np.array([values[node] for node in node_of_test]).reshape(len(x_test), -1)
    return predicted.argmax(axis=1) if classification else predicted[:, 0]


def _best_split(x: np.ndarray, targets: np.ndarray, classification: bool) -> tuple[int, float] | None:
    """The (feature, threshold) that most lowers the node's impurity, or None for a leaf.

    The criterion is scikit-learn's proxy, ``sum(S_left²)/n_left + sum(S_right²)/n_right`` for the
    column sums S of the one-hot classes (Gini) or of the target (squared error).
    """
    n = len(x)
    if n < 2:
        return None
    totals = targets.sum(axis=0)
    if classification:
        impurity = 1.0 - np.sum((totals / n) ** 2)
    else:
        impurity = np.mean(targets[:, 0] ** 2) - (totals[0] / n) ** 2
    if impurity <= _EPSILON:
        return None
    best, best_proxy = None, -np.inf
    n_left = np.arange(1, n)
    for feature in range(x.shape[1]):
        order = np.argsort(x[:, feature], kind="stable")
        column = x[order, feature]
        valid = column[1:] > column[:-1] + _FEATURE_THRESHOLD
        if not valid.any():
            continue
        left = np.cumsum(targets[order], axis=0)[:-1]
        proxy = np.sum(left**2, axis=1) / n_left + np.sum((totals - left) ** 2, axis=1) / (n - n_left)
        proxy = np.where(valid, proxy, -np.inf)
        position = int(np.argmax(proxy))
        if proxy[position] > best_proxy:
            threshold = column[position] / 2.0 + column[position + 1] / 2.0
            if threshold == column[position + 1] or not np.isfinite(threshold):
                threshold = column[position]
            best, best_proxy = (feature, threshold), proxy[position]
    return best


# --------------------------------------------------------------------------- other learners


def _standardize(x_train: np.ndarray, x_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both parts centred and scaled by the training part's mean and standard deviation."""
    mean, scale = x_train.mean(axis=0), x_train.std(axis=0)
    scale = np.where(scale < 10 * _EPSILON, 1.0, scale)
    return (x_train - mean) / scale, (x_test - mean) / scale


def nearest_neighbor(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray) -> np.ndarray:
    """The target of the nearest training row in standardized Euclidean distance, the first of
    equally near ones.

    Distances come from ``|a|² - 2ab + |b|²``, whose rounding depends on the BLAS (its build, its
    threads), so that which of two equally near rows (a row repeated in the data) came out nearest
    varied between machines. Here a repeated training row counts once, as its first occurrence, and
    the distinct rows within that rounding of the nearest are measured again exactly, from their
    differences, ties going to the first.
    """
    x_train, x_test = _standardize(x_train, x_test)
    rows_as_bytes = np.ascontiguousarray(x_train + 0.0).view(np.dtype((np.void, 8 * x_train.shape[1]))).ravel()
    first = np.sort(np.unique(rows_as_bytes, return_index=True)[1])  # + 0.0: -0.0 is 0.0
    x_train = x_train[first]
    squares_test, squares_train = (x_test**2).sum(axis=1), (x_train**2).sum(axis=1)
    distances = squares_test[:, None] - 2 * x_test @ x_train.T + squares_train
    slack = 1e-12 * x_train.shape[1] * (squares_test + squares_train.max())  # far above the rounding
    rows, columns = np.nonzero(distances <= (distances.min(axis=1) + 2 * slack)[:, None])
    chunks = max(1, len(rows) * x_train.shape[1] // 2**22)  # pairs of equally distant rows: memory bounded
    exact = np.concatenate([((x_test[r] - x_train[c]) ** 2).sum(axis=1)
                            for r, c in zip(np.array_split(rows, chunks), np.array_split(columns, chunks))])
    order = np.lexsort((columns, exact, rows))  # the kept rows are in their first occurrences' order
    nearest = order[np.unique(rows[order], return_index=True)[1]]
    return y_train[first[columns[nearest]]]


def naive_bayes(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray) -> np.ndarray:
    """Gaussian naive Bayes, variances smoothed by 1e-9 times the largest feature variance."""
    classes = np.unique(y_train)
    smoothing = 1e-9 * x_train.var(axis=0).max()
    log_likelihood = np.empty((len(x_test), len(classes)))
    for i, label in enumerate(classes):
        members = x_train[y_train == label]
        mean, variance = members.mean(axis=0), members.var(axis=0) + smoothing
        log_likelihood[:, i] = (np.log(len(members) / len(x_train)) - 0.5 * np.sum(np.log(2 * np.pi * variance))
                                - 0.5 * np.sum((x_test - mean) ** 2 / variance, axis=1))
    return classes[log_likelihood.argmax(axis=1)]


def ridge(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, *, alpha: float = 1.0) -> np.ndarray:
    """Ridge regression with an unpenalized intercept, solved exactly (in its dual when wide)."""
    mean_x, mean_y = x_train.mean(axis=0), y_train.mean()
    centred = x_train - mean_x
    if centred.shape[1] <= centred.shape[0]:
        gram = centred.T @ centred + alpha * np.eye(centred.shape[1])
        coef = np.linalg.solve(gram, centred.T @ (y_train - mean_y))
    else:
        gram = centred @ centred.T + alpha * np.eye(centred.shape[0])
        coef = centred.T @ np.linalg.solve(gram, y_train - mean_y)
    return (x_test - mean_x) @ coef + mean_y


def binned_ridge(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, *, n_bins: int = 10) -> np.ndarray:
    """Ridge on one-hot quantile bins of every feature: an additive model, one step per bin."""
    encoded_train, encoded_test = [], []
    for column_train, column_test in zip(x_train.T, x_test.T):
        if column_train.min() == column_train.max():
            continue  # one bin: a constant column, which the intercept absorbs
        edges = np.percentile(column_train, np.linspace(0, 100, n_bins + 1), method="averaged_inverted_cdf")
        edges = edges[np.ediff1d(edges, to_begin=np.inf) > 1e-8]
        levels = np.arange(len(edges) - 1)
        encoded_train.append(np.searchsorted(edges[1:-1], column_train, side="right")[:, None] == levels)
        encoded_test.append(np.searchsorted(edges[1:-1], column_test, side="right")[:, None] == levels)
    if not encoded_train:
        return np.full(len(x_test), y_train.mean())
    return ridge(np.hstack(encoded_train).astype(float), y_train, np.hstack(encoded_test).astype(float))


def linear_regression(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray) -> np.ndarray:
    """Ridge (alpha 1) on standardized features."""
    x_train, x_test = _standardize(x_train, x_test)
    return ridge(x_train, y_train, x_test)


def logistic(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, *, max_iter: int = 200) -> np.ndarray:
    """L2-penalized (C = 1) logistic regression on standardized features, multinomial for many classes.

    Minimizes ``sum(log loss) + ||W||² / 2`` (intercepts unpenalized) by L-BFGS, as
    ``LogisticRegression()`` does; the problem is strictly convex, so both reach one optimum.
    """
    classes = np.unique(y_train)
    if len(classes) < 2:
        raise ValueError("logistic regression needs two classes in the training part")
    x_train, x_test = _standardize(x_train, x_test)
    design = np.hstack([x_train, np.ones((len(x_train), 1))])
    n_outputs = 1 if len(classes) == 2 else len(classes)
    onehot = (y_train[:, None] == classes[-n_outputs:]).astype(float)
    penalized = np.ones((design.shape[1], 1))
    penalized[-1] = 0.0

    def loss_and_gradient(flat: np.ndarray) -> tuple[float, np.ndarray]:
        weights = flat.reshape(design.shape[1], n_outputs)
        scores = design @ weights
        if n_outputs == 1:
            loss = np.sum(np.logaddexp(0.0, scores) - onehot * scores)
            residual = 1.0 / (1.0 + np.exp(-scores)) - onehot
        else:
            top = scores.max(axis=1, keepdims=True)
            log_norm = top + np.log(np.exp(scores - top).sum(axis=1, keepdims=True))
            loss = np.sum(log_norm) - np.sum(onehot * scores)
            residual = np.exp(scores - log_norm) - onehot
        loss += 0.5 * np.sum(penalized * weights**2)
        return loss, (design.T @ residual + penalized * weights).ravel()

    weights = _lbfgs(loss_and_gradient, np.zeros(design.shape[1] * n_outputs), max_iter=max_iter)
    scores = np.hstack([x_test, np.ones((len(x_test), 1))]) @ weights.reshape(design.shape[1], n_outputs)
    if n_outputs == 1:
        return classes[(scores[:, 0] > 0).astype(int)]
    return classes[scores.argmax(axis=1)]


def _lbfgs(fun: Callable[[np.ndarray], tuple[float, np.ndarray]], start: np.ndarray, *, max_iter: int,
           memory: int = 10, tol: float = 1e-6) -> np.ndarray:
    """Minimize a smooth convex ``fun`` (returning loss and gradient) by L-BFGS with backtracking."""
    point, (loss, gradient) = start, fun(start)
    steps: list[tuple[np.ndarray, np.ndarray, float]] = []
    for _ in range(max_iter):
        if np.abs(gradient).max() <= tol * max(1.0, abs(loss)):
            break
        direction = -gradient
        alphas = []
        for s, y, rho in reversed(steps):
            alphas.append(rho * s @ direction)
            direction -= alphas[-1] * y
        if steps:
            s, y, _ = steps[-1]
            direction *= (s @ y) / (y @ y)
        for (s, y, rho), alpha in zip(steps, reversed(alphas)):
            direction += s * (alpha - rho * y @ direction)
        step, slope = 1.0 if steps else 1.0 / max(1.0, np.linalg.norm(gradient)), gradient @ direction
        while True:
            candidate = point + step * direction
            new_loss, new_gradient = fun(candidate)
            if new_loss <= loss + 1e-4 * step * slope or step < 1e-12:
                break
            step /= 2.0
        s, y = candidate - point, new_gradient - gradient
        if s @ y > 1e-12:
            steps = [*steps[-memory + 1:], (s, y, 1.0 / (s @ y))]
        point, loss, gradient = candidate, new_loss, new_gradient
    return point


THRESHOLDED = frozenset({tree, binned_ridge})
"""The learners that take values closer than an absolute threshold as one (a tree's 1e-7, a quantile
bin's 1e-8): their columns should be at a typical magnitude near 1, not divided by an outlier."""

LEARNERS: dict[str, tuple[Learner, Learner]] = {
    "landmark_stump": (partial(tree, max_depth=1, classification=True),
                       partial(tree, max_depth=1, classification=False)),
    "landmark_tree_depth3": (partial(tree, max_depth=3, classification=True),
                             partial(tree, max_depth=3, classification=False)),
    "landmark_1nn": (nearest_neighbor, nearest_neighbor),
    "landmark_naive_bayes": (naive_bayes, binned_ridge),
    "landmark_linear": (logistic, linear_regression),
}
"""The landmark learners by meta-feature name: (classification, regression)."""
