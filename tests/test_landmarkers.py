"""The NumPy landmark learners predict what the scikit-learn estimators they stand for predict."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, make_classification
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import KBinsDiscretizer, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from metahpo import landmarkers

SKLEARN = {
    "landmark_stump": (DecisionTreeClassifier(max_depth=1, random_state=0), DecisionTreeRegressor(max_depth=1)),
    "landmark_tree_depth3": (DecisionTreeClassifier(max_depth=3, random_state=0), DecisionTreeRegressor(max_depth=3)),
    "landmark_1nn": (make_pipeline(StandardScaler(), KNeighborsClassifier(1)),
                     make_pipeline(StandardScaler(), KNeighborsRegressor(1))),
    "landmark_naive_bayes": (GaussianNB(), make_pipeline(KBinsDiscretizer(10, encode="onehot"), Ridge(1.0))),
    "landmark_linear": (make_pipeline(StandardScaler(), LogisticRegression(max_iter=200)),
                        make_pipeline(StandardScaler(), Ridge(1.0))),
}


def _data(name):
    if name == "multiclass":
        x, y = make_classification(600, 12, n_informative=6, n_classes=4, random_state=0)
    else:
        x, y = {"iris": load_iris, "breast_cancer": load_breast_cancer, "diabetes": load_diabetes}[name](
            return_X_y=True)
    return x / np.abs(x).max(axis=0), y  # scaled as the meta-features scale them for all but the trees' thresholds


@pytest.mark.parametrize("name", ["iris", "breast_cancer", "multiclass", "diabetes"])
def test_every_learner_predicts_what_its_scikit_learn_counterpart_predicts(name):
    x, y = _data(name)
    classification = name != "diabetes"
    splitter = (StratifiedKFold if classification else KFold)(3, shuffle=True, random_state=7)
    folds = landmarkers.folds(y, 3, 7, stratified=classification)
    for (train, test), (expected_train, expected_test) in zip(folds, splitter.split(x, y), strict=True):
        assert np.array_equal(train, expected_train) and np.array_equal(test, expected_test)
    for learner_name, (classifier, regressor) in SKLEARN.items():
        learner = landmarkers.LEARNERS[learner_name][0 if classification else 1]
        for train, test in folds:
            expected = (classifier if classification else regressor).fit(x[train], y[train]).predict(x[test])
            got = learner(x[train], y[train], x[test])
            if classification:  # trees break exact ties between features in another order; logistic
                # regression's solvers stop at other tolerances
                assert np.mean(got == expected) >= (0.95 if "tree" in learner_name else 0.99), learner_name
            else:
                assert np.allclose(got, expected, atol=1e-3 * np.ptp(y)), learner_name


def test_trees_split_ties_between_values_in_single_precision_like_scikit_learn():
    rng = np.random.default_rng(0)
    x = np.round(rng.normal(size=(300, 3)), 2)  # many equal values, thresholds between them
    y = (x[:, 0] + 0.3 * x[:, 1] > 0.1).astype(int)
    expected = DecisionTreeClassifier(max_depth=3, random_state=0).fit(x[:200], y[:200]).predict(x[200:])
    got = landmarkers.tree(x[:200], y[:200], x[200:], max_depth=3, classification=True)
    assert np.array_equal(got, expected)


def test_a_constant_or_single_class_training_part_is_handled_as_scikit_learn_does():
    x = np.ones((10, 2))
    assert np.array_equal(landmarkers.tree(x, np.arange(10) % 2, x[:3], max_depth=3, classification=True), [0, 0, 0])
    assert np.allclose(landmarkers.binned_ridge(x, np.arange(10.0), x[:2]), 4.5)  # no bins to learn from
    with pytest.raises(ValueError, match="two classes"):
        landmarkers.logistic(x, np.zeros(10, dtype=int), x)


def test_describing_a_dataset_imports_no_scikit_learn():
    code = ("import sys; from metahpo import metafeatures; from metahpo.datasets import Dataset; import pandas as pd;"
            "import numpy as np; x = pd.DataFrame(np.random.default_rng(0).normal(size=(200, 4)), columns=list('abcd'));"
            "metafeatures.extract(Dataset(x, (x['a'] > 0).astype(int), 'binary'));"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


@pytest.mark.parametrize("seed", range(10))
def test_the_nearest_row_is_found_exactly_and_ties_go_to_the_first(seed):
    rng = np.random.default_rng(seed)
    x_train = rng.normal(size=(30, 5)) * 50 + 100
    x_train[10] = x_train[3] * (1 + 1e-12)  # within the rounding of |a|² - 2ab + |b|², which chose it for row 3
    x_train[20] = x_train[3]  # as near as row 3: the first wins
    got = landmarkers.nearest_neighbor(x_train, np.arange(30), x_train[[3, 10, 20]])
    assert np.array_equal(got, [3, 10, 3])


def test_repeated_rows_count_once_as_their_first():
    x_train = np.ones((1000, 300))  # every row alike: a million pairs of equally near rows, measured once
    x_train[500:, 0] = 2.0
    got = landmarkers.nearest_neighbor(x_train, np.arange(1000), np.vstack([x_train[700], x_train[0]]))
    assert np.array_equal(got, [500, 0])
