"""Tests of :mod:`metahpo.metafeatures`."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from metahpo import datasets, metafeatures
from metahpo.datasets import Dataset, from_arrays
from metahpo.exceptions import DataWarning
from metahpo.metafeatures import METAFEATURES, describe, extract

GROUPS = {"simple", "statistical", "information", "landmarker"}
CORRELATION_FEATURES = ("abs_correlation_mean", "abs_correlation_q90", "abs_correlation_max")


@pytest.fixture(scope="module")
def sklearn_features() -> dict[str, pd.Series]:
    return {name: extract(datasets.load(f"sklearn:{name}")) for name in ("iris", "breast_cancer", "diabetes")}


def _extract_quietly(dataset: Dataset) -> pd.Series:
    """Extract with every warning turned into an error, so that none may leak."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        features = extract(dataset)
    assert list(features.index) == list(METAFEATURES)
    assert not np.isinf(features.to_numpy()).any()
    return features


def _noise_frame(rng: np.random.Generator, n_rows: int, n_features: int) -> pd.DataFrame:
    return pd.DataFrame(rng.normal(size=(n_rows, n_features)), columns=[f"x{i}" for i in range(n_features)])


# --------------------------------------------------------------------------- catalogue


def test_catalogue_has_enough_features_in_every_group():
    assert len(METAFEATURES) >= 30
    assert {group for group, _ in METAFEATURES.values()} == GROUPS
    assert all(description.strip() for _, description in METAFEATURES.values())


def test_describe_tabulates_the_catalogue_in_order():
    table = describe()
    assert list(table.columns) == ["name", "group", "description"]
    assert list(table["name"]) == list(METAFEATURES)
    assert list(table["group"]) == [group for group, _ in METAFEATURES.values()]


@pytest.mark.parametrize("name", ["iris", "breast_cancer", "diabetes"])
def test_names_order_and_dtype(sklearn_features, name):
    features = sklearn_features[name]
    assert list(features.index) == list(METAFEATURES)
    assert features.dtype == float
    assert features.name == name


# --------------------------------------------------------------------------- real datasets


@pytest.mark.parametrize("name", ["iris", "breast_cancer"])
def test_classification_values_are_all_finite(sklearn_features, name):
    features = sklearn_features[name]
    assert np.isfinite(features).all(), features[~np.isfinite(features)]


def test_regression_values_are_finite_except_n_classes(sklearn_features):
    features = sklearn_features["diabetes"]
    assert list(features.index[features.isna()]) == ["n_classes"]
    assert np.isfinite(features.drop("n_classes")).all()


def test_simple_counts_match_the_dataset(sklearn_features):
    iris = sklearn_features["iris"]
    assert iris["n_rows"] == 150
    assert iris["n_features"] == 4
    assert iris["n_classes"] == 3
    assert iris["log_rows_per_feature"] == pytest.approx(np.log(150 / 4))
    assert iris["target_imbalance"] == 1.0
    assert iris["target_entropy"] == pytest.approx(1.0)
    assert iris["share_categorical"] == 0.0
    assert iris["share_missing_cells"] == 0.0


def test_scores_and_shares_stay_in_range(sklearn_features):
    bounded = [name for name in METAFEATURES if name.startswith(("share_", "landmark_", "abs_correlation_"))]
    bounded += ["target_imbalance", "target_entropy", "attribute_entropy_mean", "pca_share_95"]
    for features in sklearn_features.values():
        values = features[bounded]
        assert ((values >= -1.0) & (values <= 1.0)).all(), values
    for name in ("iris", "breast_cancer"):
        landmarks = sklearn_features[name].filter(like="landmark_")
        assert (landmarks >= 0.0).all()


def test_landmarkers_find_the_easy_structure(sklearn_features):
    assert sklearn_features["iris"]["landmark_1nn"] > 0.8
    assert sklearn_features["iris"]["landmark_tree_depth3"] > 0.8
    assert sklearn_features["breast_cancer"]["landmark_linear"] > 0.9
    assert sklearn_features["diabetes"]["landmark_linear"] > 0.3


def test_deterministic_for_a_seed_and_sensitive_to_it():
    rng = np.random.default_rng(3)
    X = _noise_frame(rng, 6000, 5)
    dataset = from_arrays(X, (X["x0"] + rng.normal(size=6000) > 0).astype(int))
    first = extract(dataset, random_state=7)
    pd.testing.assert_series_equal(first, extract(dataset, random_state=7))
    other = extract(dataset, random_state=8)
    assert not first.equals(other)
    assert first["n_rows"] == other["n_rows"] == 6000


# --------------------------------------------------------------------------- sanity


def test_balanced_binary_target_has_entropy_one():
    rng = np.random.default_rng(0)
    dataset = from_arrays(_noise_frame(rng, 400, 3), np.repeat([0, 1], 200))
    features = _extract_quietly(dataset)
    assert features["target_entropy"] == pytest.approx(1.0)
    assert features["target_imbalance"] == 1.0
    assert features["n_classes"] == 2


def test_imbalanced_target_is_measured():
    rng = np.random.default_rng(0)
    dataset = from_arrays(_noise_frame(rng, 500, 3), np.r_[np.zeros(450), np.ones(50)])
    features = _extract_quietly(dataset)
    assert features["target_imbalance"] == pytest.approx(50 / 450)
    assert 0.4 < features["target_entropy"] < 0.5  # H(0.1) / log 2 = 0.469


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_mutual_information_detects_a_dependent_target(task):
    rng = np.random.default_rng(1)
    X = _noise_frame(rng, 2000, 5)
    noise = rng.normal(size=2000)
    signal = X["x2"] ** 2
    if task == "binary":
        dependent, independent = (signal > 0.5).astype(int), (noise > 0).astype(int)
    else:
        dependent, independent = signal, noise
    informative = _extract_quietly(from_arrays(X, dependent, task=task))
    uninformative = _extract_quietly(from_arrays(X, independent, task=task))
    assert informative["mutual_info_max"] > 0.3
    assert uninformative["mutual_info_max"] < 0.02
    assert informative["log_equivalent_n_attributes"] < uninformative["log_equivalent_n_attributes"]
    assert informative["landmark_tree_depth3"] > uninformative["landmark_tree_depth3"] + 0.3


def test_landmarkers_of_wide_data_see_its_most_informative_columns(monkeypatch):
    rng = np.random.default_rng(3)
    X = _noise_frame(rng, 400, 30)
    target = (X["x29"] > 0).astype(int)  # the last column carries the signal
    wide = _extract_quietly(from_arrays(X, target))
    monkeypatch.setattr(metafeatures, "_LANDMARK_FEATURES", 3)
    capped = _extract_quietly(from_arrays(X, target))
    assert capped["landmark_stump"] > 0.9 and wide["landmark_stump"] > 0.9  # x29 kept among the three
    assert capped["landmark_1nn"] > wide["landmark_1nn"] + 0.1  # without 29 noisy columns to measure distance on
    assert capped.drop(list(capped.filter(like="landmark_").index)).equals(
        wide.drop(list(wide.filter(like="landmark_").index)))


def test_landmarkers_of_wide_noise_score_as_chance(monkeypatch):
    rng = np.random.default_rng(4)
    X = _noise_frame(rng, 200, 400)
    monkeypatch.setattr(metafeatures, "_LANDMARK_FEATURES", 20)  # chosen on all rows, the 20 of 400 leaked the target
    features = _extract_quietly(from_arrays(X, rng.integers(0, 2, 200)))
    assert features.filter(like="landmark_").between(0.35, 0.62).all(), features.filter(like="landmark_")


def test_a_target_almost_always_zero_is_imbalanced():
    y = np.zeros(1000)
    y[:6] = np.arange(1, 7)  # 6 of 1,000 not zero: the 1st and 99th percentiles are both 0
    features = _extract_quietly(from_arrays(_noise_frame(np.random.default_rng(5), 1000, 3), y))
    assert features["target_imbalance"] < 0.01 and features["target_entropy"] > 0


def test_correlated_features_are_detected():
    rng = np.random.default_rng(2)
    base = rng.normal(size=1000)
    X = pd.DataFrame({"a": base, "b": 2 * base + 0.01 * rng.normal(size=1000), "c": rng.normal(size=1000)})
    features = _extract_quietly(from_arrays(X, (base > 0).astype(int)))
    assert features["abs_correlation_max"] > 0.99
    assert features["pca_share_95"] == pytest.approx(2 / 3)


def test_skewness_of_a_lognormal_feature_is_positive():
    rng = np.random.default_rng(4)
    X = pd.DataFrame({"x": rng.lognormal(size=3000)})
    features = _extract_quietly(from_arrays(X, rng.normal(size=3000)))
    assert features["skewness_q50"] > 2.0
    assert features["kurtosis_q50"] > 5.0


def test_missing_value_shares():
    X = pd.DataFrame(
        {"a": [1.0, np.nan, 3.0, 4.0], "b": [1.0, 2.0, 3.0, 4.0], "c": [np.nan, np.nan, 1.0, 2.0]}
    )
    features = _extract_quietly(from_arrays(X, [0, 1, 0, 1]))
    assert features["share_missing_cells"] == pytest.approx(3 / 12)
    assert features["share_rows_with_missing"] == pytest.approx(2 / 4)
    assert features["share_features_with_missing"] == pytest.approx(2 / 3)


# --------------------------------------------------------------------------- robustness


def test_all_missing_and_constant_columns():
    rng = np.random.default_rng(5)
    X = _noise_frame(rng, 300, 2)
    X["empty"] = np.nan
    X["constant"] = 4.0
    X["almost_empty"] = np.where(np.arange(300) == 0, 1.0, np.nan)
    features = _extract_quietly(from_arrays(X, rng.integers(0, 3, 300)))
    assert features["share_constant_features"] == pytest.approx(3 / 5)
    assert features["share_features_with_missing"] == pytest.approx(2 / 5)
    assert np.isfinite(features.drop("n_classes")).all()


def test_only_constant_features():
    X = pd.DataFrame({"a": np.ones(50), "b": np.full(50, np.nan)})
    with pytest.warns(DataWarning, match="every feature of 'dataset' is constant"):
        dataset = from_arrays(X, np.arange(50) % 2)
    features = _extract_quietly(dataset)
    assert features["share_constant_features"] == 1.0
    assert features["mutual_info_max"] == 0.0
    assert features[["skewness_q50", "abs_correlation_max", "pca_share_95"]].isna().all()
    assert np.isfinite(features.filter(like="landmark_")).all()


def test_high_cardinality_categorical():
    rng = np.random.default_rng(6)
    n_rows = 12_000
    X = _noise_frame(rng, n_rows, 2)
    X["id"] = pd.Categorical([f"id{i}" for i in rng.permutation(n_rows) % 10_000])
    X["colour"] = pd.Categorical(rng.choice(["red", "green", None], n_rows))
    features = _extract_quietly(from_arrays(X, (X["x0"] > 0).astype(int)))
    assert features["log_max_cardinality"] == pytest.approx(np.log1p(10_000))
    assert features["share_categorical"] == 0.5
    assert features["share_missing_cells"] == pytest.approx(X["colour"].isna().mean() / 4)
    # Pooling the rare levels keeps an identifier column from looking informative.
    assert features["mutual_info_max"] > 0.3
    assert features["mutual_info_q50"] < 0.05


def test_only_categorical_features():
    rng = np.random.default_rng(7)
    X = pd.DataFrame(
        {"a": pd.Categorical(rng.choice(list("xyz"), 200)), "b": pd.Categorical(rng.choice(list("pq"), 200))}
    )
    features = _extract_quietly(from_arrays(X, (X["a"] == "x").astype(int)))
    assert features["share_categorical"] == 1.0
    assert features["share_binary_features"] == 0.5
    assert features["mutual_info_max"] > 0.3
    assert features["landmark_tree_depth3"] == pytest.approx(1.0)


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_single_feature(task):
    rng = np.random.default_rng(8)
    x = rng.normal(size=200)
    y = {
        "binary": (x > 0).astype(int),
        "multiclass": np.digitize(x, [-0.5, 0.5]),
        "regression": x + rng.normal(size=200),
    }
    features = _extract_quietly(from_arrays(pd.DataFrame({"x": x}), y[task], task=task))
    assert features["n_features"] == 1
    assert features["pca_share_95"] == 1.0
    expected_nan = set(CORRELATION_FEATURES) | ({"n_classes"} if task == "regression" else set())
    assert set(features.index[features.isna()]) == expected_nan


def test_tiny_data_with_singleton_classes():
    rng = np.random.default_rng(9)
    y = ["a", "a", "a", "a", "b", "b", "b", "c", "d", "e"]
    features = _extract_quietly(from_arrays(_noise_frame(rng, 10, 3), y))
    assert features["n_rows"] == 10
    assert features["n_classes"] == 5
    assert features["target_imbalance"] == pytest.approx(1 / 4)
    assert np.isfinite(features).all()


def test_tiny_data_with_a_single_class_training_fold():
    rng = np.random.default_rng(9)
    features = _extract_quietly(from_arrays(_noise_frame(rng, 3, 2), ["a", "a", "b"]))
    # Two folds, one of which trains on class "a" alone: logistic regression cannot be fitted.
    assert np.isnan(features["landmark_linear"])
    assert np.isfinite(features.drop("landmark_linear")).all()


def test_tiny_data_with_only_singleton_classes_gives_nan_landmarks():
    rng = np.random.default_rng(10)
    features = _extract_quietly(from_arrays(_noise_frame(rng, 4, 2), ["a", "b", "c", "d"]))
    assert features.filter(like="landmark_").isna().all()
    assert np.isfinite(features.drop(features.filter(like="landmark_").index)).all()


def test_regression_landmarks_do_not_depend_on_the_targets_scale():
    rng = np.random.default_rng(12)
    X = rng.normal(size=(200, 3))
    y = X[:, 0] + rng.normal(size=200)
    scores = [_extract_quietly(from_arrays(X, y * scale)).filter(like="landmark_") for scale in (1.0, 1e-170, 1e170)]
    for scaled in scores[1:]:  # the squares of 1e-170 underflowed (R² 1), those of 1e170 overflowed (NaN)
        pd.testing.assert_series_equal(scaled, scores[0])


@pytest.mark.parametrize("n_rows", [2, 3, 10])
def test_tiny_regression(n_rows):
    rng = np.random.default_rng(11)
    dataset = from_arrays(_noise_frame(rng, n_rows, 2), rng.normal(size=n_rows), task="regression")
    features = _extract_quietly(dataset)
    assert features["n_rows"] == n_rows
    assert features.filter(like="landmark_").between(-1.0, 1.0).all()


def test_constant_regression_target():
    rng = np.random.default_rng(12)
    # load refuses a constant target; meta-features still describe one a Dataset is built with
    features = _extract_quietly(Dataset(_noise_frame(rng, 100, 3), pd.Series(np.full(100, 2.5)), "regression"))
    assert features["target_entropy"] == 0.0
    assert features["target_imbalance"] == 1.0
    assert features["mutual_info_max"] == 0.0
    assert np.isfinite(features.drop("n_classes")).all()


def test_infinite_and_huge_feature_values_give_finite_statistics():
    rng = np.random.default_rng(13)
    X = _noise_frame(rng, 200, 2)
    X.loc[0, "x0"] = np.inf
    X["huge"] = rng.normal(size=200) * 1e300
    features = _extract_quietly(from_arrays(X, rng.integers(0, 2, 200)))
    assert features["share_missing_cells"] == pytest.approx(1 / 600)
    assert np.isfinite(features).all()


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_thresholded_landmarkers_ignore_an_outlier(task):
    rng = np.random.default_rng(14)
    X = pd.DataFrame(rng.uniform(size=(600, 3)), columns=["a", "b", "c"])
    y = (X["a"] > 0.5).astype(int) if task == "binary" else X["a"] + 0.1 * rng.normal(size=600)
    thresholded = ["landmark_stump", "landmark_tree_depth3"]
    if task == "regression":
        thresholded.append("landmark_naive_bayes")  # its quantile bins
    clean = _extract_quietly(from_arrays(X, y, task=task))[thresholded]
    X.loc[0, "a"] = 1e9  # divided by the largest magnitude, the other values of "a" were one value to them (0.5)
    np.testing.assert_allclose(_extract_quietly(from_arrays(X, y, task=task))[thresholded], clean, atol=0.01)
    assert (clean > 0.6).all()


def test_naive_bayes_is_not_drowned_by_a_heavy_tailed_column():
    rng = np.random.default_rng(17)
    X = pd.DataFrame({"tail": rng.lognormal(sigma=6, size=600), "signal": rng.normal(size=600)})
    y = (X["signal"] > 0).astype(int)  # the largest variance smooths every column's: at the typical magnitude
    assert _extract_quietly(from_arrays(X, y))["landmark_naive_bayes"] > 0.55  # the tail's is huge (0.50)


def test_meta_features_do_not_depend_on_the_order_or_superset_of_categories():
    rng = np.random.default_rng(15)
    levels = [f"v{i:02d}" for i in range(12)]
    values = pd.Series(rng.permutation(np.repeat(levels, 50)))  # equal counts: the bins keep 9 levels, by order
    y = values.isin(["v01", "v02", "v05", "v07"]).astype(int)
    number = rng.normal(size=600)
    as_read = pd.DataFrame({"c": values.astype("category"), "n": number})  # a file's column: sorted categories
    declared = pd.DataFrame({"c": pd.Categorical(values, categories=["zz", *rng.permutation(levels)]), "n": number})
    described = [_extract_quietly(from_arrays(X, y)) for X in (as_read, declared)]
    pd.testing.assert_series_equal(described[1], described[0])


def test_categories_of_numbers_and_text_together_are_described():
    rng = np.random.default_rng(18)
    mixed = pd.Categorical(rng.choice(np.array([1, 2, "x", "y"], dtype=object), 300))  # as a Dataset may hold them
    X = pd.DataFrame({"mixed": mixed, "n": rng.normal(size=300)})
    features = _extract_quietly(Dataset(X, pd.Series((X["n"] > 0).astype(int)), "binary"))
    assert np.isfinite(features.filter(like="landmark_")).all()


def test_a_rare_class_keeps_ten_rows_in_the_subsamples(monkeypatch):
    rng = np.random.default_rng(16)
    dataset = from_arrays(_noise_frame(rng, 6000, 2), np.array(["common"] * 5990 + ["rare"] * 10))
    seen = []

    def recorded(group):
        def compute(*args):
            seen.append(args[-1 if group == "information" else 0])
            return {name: 0.0 for name, (of, _) in METAFEATURES.items() if of == group}
        return compute

    for group in ("statistical", "information", "landmarker"):
        monkeypatch.setattr(metafeatures, f"_{'landmarkers' if group == 'landmarker' else group}", recorded(group))
    extract(dataset)
    # in proportion the rare class would keep 8 and 3 rows; one fold of three would not hold it
    assert [(sample.n_rows, int((sample.y == "rare").sum())) for sample in seen] == [(5000, 10), (5000, 10), (2000, 10)]


def test_extraction_leaves_other_threads_warnings_shown(monkeypatch):
    import threading

    inside, warned = threading.Event(), threading.Event()
    simple = metafeatures._simple

    def waiting(dataset):  # extraction holds its filters while another thread warns
        inside.set()
        warned.wait(10)
        return simple(dataset)

    monkeypatch.setattr(metafeatures, "_simple", waiting)
    rng = np.random.default_rng(19)
    extracting = threading.Thread(target=extract, args=(from_arrays(_noise_frame(rng, 50, 2), np.arange(50) % 2),))
    with pytest.warns(DataWarning, match="from another thread"):
        extracting.start()
        inside.wait(10)
        warnings.warn("from another thread", DataWarning)
        warned.set()
        extracting.join()
