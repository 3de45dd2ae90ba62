"""Dataset meta-features: the numbers by which datasets are compared to one another.

:func:`extract` turns a :class:`~metahpo.datasets.Dataset` into a :class:`pandas.Series` of
named floats, always the names of :data:`METAFEATURES` in its order, whatever the task. The
meta-features come in four groups:

``simple``
    Counts and shares read off the whole dataset: rows, features, classes, missing cells,
    categorical features and their cardinality.
``statistical``
    Distribution of per-feature statistics (skewness, kurtosis, coefficient of variation),
    feature correlations and their principal components.
``information``
    Entropies and mutual information of features binned into quantiles with the target.
``landmarker``
    Cross-validated scores of fast, simple learners: a decision stump, a depth-3 tree,
    1-nearest-neighbour, naive Bayes and a linear model.

Everything except the ``simple`` group is computed on a seeded row subsample (stratified for
classification), so extraction takes a few seconds at most on long data (its time grows with the
columns: 17 s for 1,000 rows of 20,000 features, 23 s for 5,000 of 10,000) and is deterministic
for a fixed ``random_state``. Meta-features that do not apply are NaN; the only one is
``n_classes`` for regression, where target-distribution meta-features use a histogram of the
target instead of class frequencies. Infinite values are never returned.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metahpo import landmarkers
from metahpo.datasets import Dataset
from metahpo.threads import single_threaded

METAFEATURES: dict[str, tuple[str, str]] = {
    # simple: whole dataset
    "n_rows": ("simple", "Number of rows."),
    "n_features": ("simple", "Number of feature columns."),
    "log_n_rows": ("simple", "Natural log of the number of rows."),
    "log_n_features": ("simple", "Natural log of the number of features."),
    "log_rows_per_feature": ("simple", "Natural log of rows divided by features."),
    "n_classes": ("simple", "Number of classes (NaN for regression)."),
    "target_imbalance": (
        "simple",
        "Rarest over commonest class frequency; regression: over the non-empty bins of a "
        "10-bin histogram of the target between its 1st and 99th percentiles.",
    ),
    "share_categorical": ("simple", "Share of features that are categorical."),
    "share_missing_cells": ("simple", "Share of feature cells that are missing (or infinite)."),
    "share_rows_with_missing": ("simple", "Share of rows with at least one missing cell."),
    "share_features_with_missing": ("simple", "Share of features with at least one missing cell."),
    "log_mean_cardinality": (
        "simple",
        "log(1 + mean number of observed levels of the categorical features); 0 without any.",
    ),
    "log_max_cardinality": (
        "simple",
        "log(1 + largest number of observed levels of a categorical feature); 0 without any.",
    ),
    # statistical: row subsample
    "share_constant_features": ("statistical", "Share of features with at most one distinct value."),
    "share_binary_features": ("statistical", "Share of features with exactly two distinct values."),
    "skewness_q10": ("statistical", "10th percentile of the skewness of the numeric features."),
    "skewness_q50": ("statistical", "Median skewness of the numeric features."),
    "skewness_q90": ("statistical", "90th percentile of the skewness of the numeric features."),
    "kurtosis_q10": ("statistical", "10th percentile of the excess kurtosis of the numeric features."),
    "kurtosis_q50": ("statistical", "Median excess kurtosis of the numeric features."),
    "kurtosis_q90": ("statistical", "90th percentile of the excess kurtosis of the numeric features."),
    "log_coef_variation_q50": (
        "statistical",
        "Median over numeric features of log(1 + std / |mean|), the ratio capped at 1000.",
    ),
    "abs_correlation_mean": (
        "statistical",
        "Mean absolute Pearson correlation between pairs of numeric features (at most 50 features).",
    ),
    "abs_correlation_q90": ("statistical", "90th percentile of the absolute pairwise correlations."),
    "abs_correlation_max": ("statistical", "Largest absolute pairwise correlation."),
    "pca_share_95": (
        "statistical",
        "Share of principal components (of the correlation matrix) needed for 95% of the variance.",
    ),
    # information: row subsample, features binned into deciles
    "target_entropy": (
        "information",
        "Class entropy divided by log(n_classes), 1 when balanced; regression: entropy of the "
        "target histogram of target_imbalance divided by log(10).",
    ),
    "attribute_entropy_mean": (
        "information",
        "Mean entropy of the binned features divided by log(11), the most their bins allow.",
    ),
    "mutual_info_mean": (
        "information",
        "Mean mutual information (nats) of a binned feature with the target.",
    ),
    "mutual_info_q50": ("information", "Median mutual information of a binned feature with the target."),
    "mutual_info_q90": ("information", "90th percentile of the mutual information with the target."),
    "mutual_info_max": ("information", "Largest mutual information of a binned feature with the target."),
    "log_equivalent_n_attributes": (
        "information",
        "log(1 + target entropy / mean mutual information): how many average features it takes "
        "to determine the target.",
    ),
    "log_noise_signal_ratio": (
        "information",
        "log(1 + (mean feature entropy - mean mutual information) / mean mutual information).",
    ),
    # landmarker: smaller row subsample, 3-fold cross-validation
    "landmark_stump": (
        "landmarker",
        "Decision stump (depth-1 tree): balanced accuracy; regression: R² clipped to [-1, 1].",
    ),
    "landmark_tree_depth3": ("landmarker", "Depth-3 decision tree, scored as landmark_stump."),
    "landmark_1nn": ("landmarker", "1-nearest-neighbour on standardized features, scored as landmark_stump."),
    "landmark_naive_bayes": (
        "landmarker",
        "Gaussian naive Bayes; regression: ridge on one-hot decile bins of each feature (an "
        "additive model, independent per feature like naive Bayes). Scored as landmark_stump.",
    ),
    "landmark_linear": (
        "landmarker",
        "Logistic regression (regression: ridge) on standardized features, scored as landmark_stump.",
    ),
}
"""Every meta-feature: name -> (group, one-line description), in the order :func:`extract` uses."""

_STAT_ROWS = 5000
"""Rows of the seeded subsample for the statistical and information-theoretic meta-features."""

_LANDMARK_ROWS = 2000
"""Rows of the seeded subsample the landmarkers are cross-validated on."""

_LANDMARK_FEATURES = 250
"""Columns the landmarkers see at most: in each fold, those with the largest mutual information with
the target on the fold's training part (chosen on all rows, they would leak the target: on pure noise
of 1,000 columns, naive Bayes scored 0.71 balanced accuracy)."""

_MIN_CLASS_ROWS = 10
"""Rows every class keeps in the subsamples (all it has, if fewer): with one row, a rare class's
recall in the landmarkers' balanced accuracy is that row's luck, and its stratified folds cannot hold it."""

_CV_FOLDS = 3
_N_BINS = 10
"""Quantile bins per numeric feature (and per regression target) for entropies and MI."""

_MAX_CORR_FEATURES = 50
_CV_CAP = 1e3
"""Cap of std / |mean|, which is unbounded for features centred on zero."""

_MI_FLOOR = 1e-4
"""Mutual information (nats) below which a feature is taken as carrying no signal; keeps ratios finite."""

_QUANTILES = (0.1, 0.5, 0.9)


def extract(dataset: Dataset, *, random_state: int = 0) -> pd.Series:
    """Compute the meta-features of a dataset.

    Parameters
    ----------
    dataset : Dataset
        The dataset to describe.
    random_state : int, default 0
        Seed of the row subsamples and of the landmarkers' folds; equal seeds give equal results.

    Returns
    -------
    pandas.Series
        Float values indexed by the names of :data:`METAFEATURES`, in its order, named after
        the dataset. NaN marks a meta-feature that does not apply (``n_classes`` for
        regression) or cannot be computed (e.g. correlations with fewer than two numeric
        features); no value is infinite.
    """
    # One native thread; NumPy's warnings of empty and all-missing slices ignored (the values are NaN
    # then, and say so), and only those: with threads side by side the filter is the process's.
    with single_threaded((RuntimeWarning, "")), np.errstate(all="ignore"):
        stats_sample = dataset.subsample(_STAT_ROWS, random_state, _MIN_CLASS_ROWS)
        values = {
            **_simple(dataset),
            **_statistical(stats_sample, random_state),
            **_information(dataset, stats_sample),
            **_landmarkers(dataset.subsample(_LANDMARK_ROWS, random_state, _MIN_CLASS_ROWS), random_state),
        }
    result = pd.Series([values[name] for name in METAFEATURES], index=list(METAFEATURES), dtype=float)
    result.name = dataset.name
    # Safety net: a ratio of extreme inputs (e.g. the skewness of a feature whose variance
    # underflows) could still overflow.
    return result.where(np.isfinite(result))


def describe() -> pd.DataFrame:
    """Tabulate :data:`METAFEATURES` for documentation and the command line.

    Returns
    -------
    pandas.DataFrame
        One row per meta-feature, in extraction order, with columns ``name``, ``group`` and
        ``description``.
    """
    return pd.DataFrame(
        [(name, group, text) for name, (group, text) in METAFEATURES.items()],
        columns=["name", "group", "description"],
    )


# --------------------------------------------------------------------------- column access


def _numeric_matrix(dataset: Dataset) -> np.ndarray:
    """Numeric features as a float array (rows x numeric features), non-finite values as NaN."""
    columns = [c for c in dataset.X.columns if c not in dataset.categorical]
    matrix = dataset.X[columns].to_numpy(dtype=float, copy=True)
    matrix[~np.isfinite(matrix)] = np.nan
    return matrix


def _codes_matrix(dataset: Dataset) -> np.ndarray:
    """Categorical features as integer codes (rows x categorical features), -1 where missing: each
    value's rank among the values present, in sorted order (categories mixing numbers and text sorted
    as text). The codes are the same whatever order, or superset, of categories a column declares, so
    that a DataFrame and a file of the same data are described alike."""
    codes = np.full((dataset.n_rows, len(dataset.categorical)), -1, dtype=np.int64)
    for j, name in enumerate(dataset.categorical):
        column = dataset.X[name]
        declared = column.cat.codes.to_numpy(dtype=np.int64)
        present = np.unique(declared[declared >= 0])
        values = column.cat.categories[present]
        try:
            order = values.argsort()
        except TypeError:  # numbers and text together
            order = values.astype(str).argsort()
        rank = np.zeros(len(column.cat.categories), dtype=np.int64)
        rank[present[order]] = np.arange(len(present))
        codes[declared >= 0, j] = rank[declared[declared >= 0]]
    return codes


def _level_counts(codes: np.ndarray) -> list[np.ndarray]:
    """Per categorical column, the row count of each level (index = code)."""
    return [np.bincount(column[column >= 0]) for column in codes.T]


def _quantiles(values: np.ndarray, prefix: str) -> dict[str, float]:
    """``prefix_q10``, ``prefix_q50`` and ``prefix_q90`` of the finite values (NaN if none)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return {f"{prefix}_q{round(q * 100)}": np.nan for q in _QUANTILES}
    values = np.quantile(finite, _QUANTILES)
    return {f"{prefix}_q{round(q * 100)}": float(v) for q, v in zip(_QUANTILES, values)}


def _target_counts(dataset: Dataset) -> tuple[np.ndarray, int]:
    """Frequencies of the target's values and how many values it could take.

    Classes for classification; for regression, the non-empty bins of a histogram with
    ``_N_BINS`` equal-width bins between the 1st and 99th percentiles (outliers clipped in), or
    between the least and largest values when one value fills those percentiles (a target that is
    almost always 0 is then as imbalanced as it is, not a single bin).
    """
    if dataset.is_classification:
        counts = dataset.y.value_counts().to_numpy()
        return counts, len(counts)
    y = dataset.y.to_numpy(dtype=float)
    low, high = np.quantile(y, [0.01, 0.99])
    if high <= low:
        low, high = y.min(), y.max()  # a regression target has two values at least (datasets.load)
    counts, _ = np.histogram(np.clip(y, low, high), bins=_N_BINS, range=(low, high))
    return counts[counts > 0], _N_BINS


# --------------------------------------------------------------------------- simple


def _simple(dataset: Dataset) -> dict[str, float]:
    """Counts and shares over all rows."""
    n_rows, n_features = dataset.n_rows, dataset.n_features
    codes = _codes_matrix(dataset)
    missing = np.hstack([np.isnan(_numeric_matrix(dataset)), codes < 0])
    cardinality = np.array([np.count_nonzero(counts) for counts in _level_counts(codes)])
    class_counts, _ = _target_counts(dataset)
    return {
        "n_rows": n_rows,
        "n_features": n_features,
        "log_n_rows": np.log(n_rows),
        "log_n_features": np.log(n_features),
        "log_rows_per_feature": np.log(n_rows / n_features),
        "n_classes": len(class_counts) if dataset.is_classification else np.nan,
        "target_imbalance": class_counts.min() / class_counts.max(),
        "share_categorical": len(dataset.categorical) / n_features,
        "share_missing_cells": missing.mean(),
        "share_rows_with_missing": missing.any(axis=1).mean(),
        "share_features_with_missing": missing.any(axis=0).mean(),
        "log_mean_cardinality": np.log1p(cardinality.mean()) if cardinality.size else 0.0,
        "log_max_cardinality": np.log1p(cardinality.max()) if cardinality.size else 0.0,
    }


# --------------------------------------------------------------------------- statistical


def _statistical(sample: Dataset, random_state: int) -> dict[str, float]:
    """Per-feature distribution statistics and correlations, on the row subsample."""
    numeric = _numeric_matrix(sample)
    n_distinct_numeric = _n_distinct(numeric)
    n_distinct = np.concatenate(
        [n_distinct_numeric, [np.count_nonzero(counts) for counts in _level_counts(_codes_matrix(sample))]]
    )
    varying = numeric[:, n_distinct_numeric > 1]
    # Dividing by the largest magnitude keeps the moments below from overflowing.
    scaled = varying / np.nanmax(np.abs(varying), axis=0, initial=0.0)
    mean = np.nanmean(scaled, axis=0)
    centred = scaled - mean
    m2, m3, m4 = (np.nanmean(centred**k, axis=0) for k in (2, 3, 4))
    coef_variation = np.minimum(np.sqrt(m2) / np.abs(mean), _CV_CAP)
    return {
        "share_constant_features": np.mean(n_distinct <= 1),
        "share_binary_features": np.mean(n_distinct == 2),
        **_quantiles(m3 / m2**1.5, "skewness"),
        **_quantiles(m4 / m2**2 - 3.0, "kurtosis"),
        "log_coef_variation_q50": np.median(np.log1p(coef_variation)) if coef_variation.size else np.nan,
        **_correlations(scaled, np.random.default_rng(random_state)),
    }


def _n_distinct(matrix: np.ndarray) -> np.ndarray:
    """Number of distinct non-missing values in each column."""
    ordered = np.sort(matrix, axis=0)  # NaN sorts last
    present = ~np.isnan(ordered)
    changes = (ordered[1:] != ordered[:-1]) & present[1:]
    return present[:1].sum(axis=0) + changes.sum(axis=0)


def _correlations(varying: np.ndarray, rng: np.random.Generator) -> dict[str, float]:
    """Absolute pairwise correlations and PCA dimensionality of non-constant numeric columns.

    At most ``_MAX_CORR_FEATURES`` columns, drawn with ``rng``; missing values are replaced by
    the column mean.
    """
    n_columns = varying.shape[1]
    if n_columns > _MAX_CORR_FEATURES:
        varying = varying[:, np.sort(rng.choice(n_columns, _MAX_CORR_FEATURES, replace=False))]
        n_columns = _MAX_CORR_FEATURES
    if n_columns == 0:
        names = ("abs_correlation_mean", "abs_correlation_q90", "abs_correlation_max", "pca_share_95")
        return dict.fromkeys(names, np.nan)
    mean = np.nanmean(varying, axis=0)
    filled = np.where(np.isnan(varying), mean, varying) - mean
    standardized = filled / np.sqrt(np.mean(filled**2, axis=0))
    correlation = np.clip(standardized.T @ standardized / len(standardized), -1.0, 1.0)
    eigenvalues = np.sort(np.linalg.eigvalsh(correlation))[::-1]
    explained = np.cumsum(eigenvalues) / eigenvalues.sum()
    n_components = int(np.searchsorted(explained, 0.95 - 1e-12)) + 1
    pairs = np.abs(correlation[np.triu_indices(n_columns, k=1)])
    if pairs.size == 0:
        correlation_stats = (np.nan, np.nan, np.nan)
    else:
        correlation_stats = (pairs.mean(), np.quantile(pairs, 0.9), pairs.max())
    return {
        "abs_correlation_mean": correlation_stats[0],
        "abs_correlation_q90": correlation_stats[1],
        "abs_correlation_max": correlation_stats[2],
        "pca_share_95": n_components / n_columns,
    }


# --------------------------------------------------------------------------- information


def _information(dataset: Dataset, sample: Dataset) -> dict[str, float]:
    """Entropies and mutual information of binned features with the target.

    Numeric features are cut into ``_N_BINS`` quantile bins, categorical features keep their
    ``_N_BINS - 1`` commonest levels and pool the rest; missing values get a bin of their own.
    Entropies are in nats, with the Miller-Madow bias correction for the mutual information.
    The ``target_entropy`` meta-feature is over all rows, the rest over the row subsample.
    """
    target_counts, n_target_values = _target_counts(dataset)
    features, target = _binned(sample)
    feature_entropy, mutual_info = _entropies(features, target)
    binned_target_entropy = _entropy(np.bincount(target))
    signal = max(mutual_info.mean(), _MI_FLOOR)
    return {
        "target_entropy": _entropy(target_counts) / np.log(n_target_values),
        "attribute_entropy_mean": np.mean(feature_entropy) / np.log(_N_BINS + 1),
        "mutual_info_mean": mutual_info.mean(),
        "mutual_info_q50": np.median(mutual_info),
        "mutual_info_q90": np.quantile(mutual_info, 0.9),
        "mutual_info_max": mutual_info.max(),
        "log_equivalent_n_attributes": np.log1p(binned_target_entropy / signal),
        "log_noise_signal_ratio": np.log1p(max(feature_entropy.mean() - mutual_info.mean(), 0.0) / signal),
    }


def _binned(sample: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """The binned features (numeric first, then categorical, as :func:`_landmarkers` orders them) and
    the target's classes (regression: its bins)."""
    features = np.hstack([_bin_numeric(_numeric_matrix(sample)), _bin_codes(_codes_matrix(sample))])
    if sample.is_classification:
        return features, pd.factorize(sample.y, sort=True)[0]
    return features, _bin_numeric(sample.y.to_numpy(dtype=float)[:, None])[:, 0]


def _bin_numeric(matrix: np.ndarray) -> np.ndarray:
    """Bin each column into its deciles (``0 .. _N_BINS - 1``); NaN goes to bin ``_N_BINS``.

    Tied quantiles merge bins, so a binary column occupies two bins.
    """
    levels = np.arange(1, _N_BINS) / _N_BINS
    edges = np.nanquantile(matrix, levels, axis=0).reshape(len(levels), matrix.shape[1])
    bins = (matrix[:, None, :] >= edges[None, :, :]).sum(axis=1)
    bins[np.isnan(matrix)] = _N_BINS
    return bins


def _bin_codes(codes: np.ndarray) -> np.ndarray:
    """Keep the ``_N_BINS - 1`` commonest levels of each column, pool the rest in one bin.

    Missing values (code -1) go to bin ``_N_BINS``, as for numeric features. Pooling keeps
    high-cardinality columns (identifiers) from looking informative through sheer level count.
    """
    bins = np.full(codes.shape, _N_BINS, dtype=np.int64)
    for j, counts in enumerate(_level_counts(codes)):
        mapping = np.full(len(counts), _N_BINS - 1)
        commonest = np.argsort(-counts, kind="stable")[: _N_BINS - 1]
        mapping[commonest] = np.arange(len(commonest))
        present = codes[:, j] >= 0
        bins[present, j] = mapping[codes[present, j]]
    return bins


def _entropy(counts: np.ndarray) -> np.ndarray:
    """Plug-in entropy (nats) of frequency counts along the last axis."""
    p = counts / counts.sum(axis=-1, keepdims=True)
    return -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0), axis=-1)


def _entropies(features: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Entropy of every binned feature and its mutual information with the binned target.

    Counts all (feature, bin, target value) triples with one :func:`numpy.bincount`. The mutual
    information gets the Miller-Madow correction, ``(cells_x + cells_y - cells_xy - 1) / 2n``,
    which removes most of the upward bias of the plug-in estimate, and is clipped at zero.
    """
    n_rows, n_features = features.shape
    n_bins, n_target = _N_BINS + 1, int(target.max()) + 1
    cell = (np.arange(n_features) * n_bins + features) * n_target + target[:, None]
    joint = np.bincount(cell.ravel(), minlength=n_features * n_bins * n_target)
    joint = joint.reshape(n_features, n_bins * n_target).astype(float)
    marginal_x = joint.reshape(n_features, n_bins, n_target).sum(axis=2)
    marginal_y = np.bincount(target, minlength=n_target)
    h_x, h_y, h_xy = _entropy(marginal_x), _entropy(marginal_y), _entropy(joint)
    cells_x, cells_y = np.count_nonzero(marginal_x, axis=1), np.count_nonzero(marginal_y)
    correction = (cells_x + cells_y - np.count_nonzero(joint, axis=1) - 1) / (2 * n_rows)
    return h_x, np.maximum(h_x + h_y - h_xy + correction, 0.0)


# --------------------------------------------------------------------------- landmarkers


def _landmarkers(sample: Dataset, random_state: int) -> dict[str, float]:
    """Cross-validated scores of five fast learners on the landmark subsample (with more than
    ``_LANDMARK_FEATURES`` columns, on those each fold's training part finds the most informative).

    Missing values are imputed with column medians (0 for an all-missing column), categorical
    features enter as their codes (:func:`_codes_matrix`), and every column is divided by its
    largest magnitude, so that no learner squares a huge value; the learners that take values
    closer than an absolute threshold as one (:data:`~metahpo.landmarkers.THRESHOLDED`) get each
    column at its typical magnitude instead (:func:`_at_typical_magnitude`). Scores are balanced
    accuracy for classification and R² clipped to [-1, 1] for regression, from pooled out-of-fold
    predictions. Classification folds are stratified, with fewer than three folds when no class has
    three members; when every class is a singleton (no fold split can be learned from) the scores
    are NaN.
    """
    codes = _codes_matrix(sample).astype(float)
    codes[codes < 0] = np.nan
    features = np.hstack([_numeric_matrix(sample), codes])
    medians = np.nan_to_num(np.nanmedian(features, axis=0), nan=0.0)
    features = np.where(np.isnan(features), medians, features)
    magnitude = np.abs(features).max(axis=0)
    features = features / np.where(magnitude > 0, magnitude, 1.0)
    typical = _at_typical_magnitude(features)
    if sample.is_classification:
        target = pd.factorize(sample.y, sort=True)[0]
        n_folds = min(_CV_FOLDS, int(np.bincount(target).max()))
        if n_folds < 2:
            return dict.fromkeys(landmarkers.LEARNERS, np.nan)
    else:
        target = sample.y.to_numpy(dtype=float)
        magnitude = np.abs(target).max()
        if 0 < magnitude < np.inf:  # by a power of two, which is exact: squares of 1e-170 or 1e170 stay finite,
            target = np.ldexp(target, -np.frexp(magnitude)[1])  # and R² is unchanged where they already were
        n_folds = min(_CV_FOLDS, len(target))
    folds = landmarkers.folds(target, n_folds, random_state, stratified=sample.is_classification)
    if features.shape[1] > _LANDMARK_FEATURES:  # the learners' cost grows with the columns
        binned, classes = _binned(sample)
        folds = [(train, test, np.sort(np.argsort(-_entropies(binned[train], classes[train])[1],
                                                  kind="stable")[:_LANDMARK_FEATURES]))
                 for train, test in folds]
    scores = {}
    for name, learners in landmarkers.LEARNERS.items():
        learner = learners[0 if sample.is_classification else 1]
        thresholded = getattr(learner, "func", learner) in landmarkers.THRESHOLDED
        scores[name] = _cross_validated_score(learner, typical if thresholded else features, target, folds,
                                              sample.is_classification)
    return scores


def _at_typical_magnitude(features: np.ndarray) -> np.ndarray:
    """``features`` with each column multiplied by the power of two that brings its typical magnitude
    (the median of its nonzero magnitudes) into [0.5, 1), and clipped to ±2^60.

    Trees take values closer than 1e-7 as one, as scikit-learn's do, and quantile bins those closer
    than 1e-8: in columns divided by their largest magnitude, one value of 1e9 among values near 1
    made the column one value to them. Powers of two are exact, and clipping keeps the order of all
    but values 2^60 times the typical one (whose squares would overflow).
    """
    magnitude = np.sort(np.abs(features), axis=0)
    zeros = np.count_nonzero(magnitude == 0, axis=0)
    middle = np.minimum(zeros + (len(features) - zeros) // 2, max(len(features) - 1, 0))
    typical = magnitude[middle, np.arange(features.shape[1])] if len(features) else np.ones(features.shape[1])
    exponent = np.frexp(np.where(typical > 0, typical, 1.0))[1]
    return np.clip(np.ldexp(features, -exponent), -(2.0**60), 2.0**60)


def _cross_validated_score(
    learner: landmarkers.Learner,
    features: np.ndarray,
    target: np.ndarray,
    folds: list[tuple[np.ndarray, ...]],
    classification: bool,
) -> float:
    """Score of ``learner``'s pooled out-of-fold predictions; NaN if a fold cannot be fitted. A
    fold is its training and test rows, and optionally the columns its learner sees.

    A fold cannot be fitted when, on tiny data, its training part is degenerate (e.g. holds a
    single class, which logistic regression rejects).
    """
    predictions = np.empty_like(target)
    for train, test, *columns in folds:
        x = features[:, columns[0]] if columns else features
        try:
            predictions[test] = learner(x[train], target[train], x[test])
        except (ValueError, np.linalg.LinAlgError):
            return np.nan
    if classification:  # balanced accuracy: the mean recall of the classes
        return float(np.mean([np.mean(predictions[target == label] == label) for label in np.unique(target)]))
    residual, total = np.sum((target - predictions) ** 2), np.sum((target - target.mean()) ** 2)
    r2 = 1.0 - residual / total if total > 0 else float(residual == 0)
    return float(np.clip(r2, -1.0, 1.0))
