"""Tests of :mod:`metahpo.datasets`: every input form of ``load``, task inference, errors, subsampling."""

from __future__ import annotations

import datetime
import gzip
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from metahpo.datasets import (
    MANIFEST,
    SKLEARN_DATASETS,
    Dataset,
    check_dataset,
    conform,
    from_arrays,
    infer_task,
    load,
    load_entry,
    load_pmlb,
    read_manifest,
    read_table,
)
from metahpo.exceptions import DataError, DataWarning, MetahpoError


def _frame(n: int = 40, seed: int = 0) -> pd.DataFrame:
    """A small mixed frame: numeric, integer, text, boolean features and a binary text target."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "num": rng.normal(size=n),
            "count": rng.integers(0, 10, size=n),
            "colour": rng.choice(["red", "green", "blue"], size=n),
            "flag": rng.random(n) < 0.5,
            "label": np.where(np.arange(n) % 2 == 0, "yes", "no"),
        }
    )


def _numeric_frame(n: int = 30, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"a": rng.normal(size=n), "b": rng.integers(0, 5, size=n).astype(float), "target": np.arange(n) % 3}
    )


# --------------------------------------------------------------------------- input forms


def test_dataframe_with_target_column():
    ds = load(_frame(), target="label")
    assert isinstance(ds, Dataset)
    assert ds.task == "binary"
    assert ds.n_rows == 40 and ds.n_features == 4
    assert list(ds.X.columns) == ["num", "count", "colour", "flag"]
    assert "label" not in ds.X.columns
    assert set(ds.y) == {"yes", "no"}
    assert sorted(ds.classes) == ["no", "yes"]
    assert ds.is_classification
    assert ds.name == "dataset"


def test_text_columns_become_category_and_others_numeric():
    ds = load(_frame(), target="label")
    assert isinstance(ds.X["colour"].dtype, pd.CategoricalDtype)
    assert set(ds.X["colour"].cat.categories) == {"red", "green", "blue"}
    assert ds.categorical == ("colour",)
    for col in ("num", "count", "flag"):
        assert pd.api.types.is_numeric_dtype(ds.X[col]), col
        assert not isinstance(ds.X[col].dtype, pd.CategoricalDtype), col


def test_booleans_are_numeric_zero_one():
    frame = _frame()
    ds = load(frame, target="label")
    assert pd.api.types.is_float_dtype(ds.X["flag"])
    np.testing.assert_array_equal(ds.X["flag"].to_numpy(), frame["flag"].to_numpy().astype(float))


def test_numeric_strings_are_parsed_as_numbers():
    frame = pd.DataFrame({"s": [str(i / 2) for i in range(30)], "y": np.arange(30) % 2})
    ds = load(frame, target="y")
    assert pd.api.types.is_float_dtype(ds.X["s"])
    assert ds.X["s"].iloc[3] == 1.5


def test_numpy_arrays_x_y():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(25, 3))
    y = rng.normal(size=25)
    ds = load(X, y)
    assert ds.task == "regression"
    assert list(ds.X.columns) == ["x0", "x1", "x2"]
    np.testing.assert_allclose(ds.X.to_numpy(), X)
    np.testing.assert_allclose(ds.y.to_numpy(), y)
    assert ds.y.dtype == float


def test_one_dimensional_x_is_one_feature():
    ds = load(np.arange(10.0), np.arange(10) % 2)
    assert ds.n_features == 1 and ds.n_rows == 10
    assert ds.task == "binary"


def test_tuple_x_y():
    X = np.arange(20.0).reshape(10, 2)
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0])
    ds = load((X, y))
    assert ds.task == "multiclass"
    assert ds.n_rows == 10 and ds.n_features == 2
    np.testing.assert_array_equal(ds.classes, [0, 1, 2])


def test_frame_x_and_series_y_keep_column_names_and_reset_index():
    X = pd.DataFrame({"p": np.arange(12.0), 7: np.arange(12.0) ** 2}, index=np.arange(100, 112))
    y = pd.Series(np.arange(12) % 2, index=np.arange(100, 112))
    ds = load(X, y, name="mine")
    assert list(ds.X.columns) == ["p", "7"]
    assert list(ds.X.index) == list(range(12))
    assert list(ds.y.index) == list(range(12))
    assert ds.name == "mine"


def test_dataset_passthrough_and_task_override():
    ds = load(_numeric_frame(), target="target")
    assert ds.task == "multiclass"
    assert load(ds) is ds
    again = load(ds, task="regression")
    assert again.task == "regression"
    assert not again.is_classification
    assert again.n_rows == ds.n_rows
    assert ds.task == "multiclass"  # the original is untouched
    assert load(ds, name="renamed").name == "renamed" and ds.name == "dataset"  # a name given is taken, not dropped


def test_dataset_with_y_or_target_is_an_error():
    ds = load(_numeric_frame(), target="target")
    with pytest.raises(DataError):
        load(ds, np.zeros(ds.n_rows))
    with pytest.raises(DataError):
        load(ds, target="target")


def test_dataset_with_text_labels_overridden_to_regression_is_a_data_error():
    ds = load(_frame(), target="label")
    with pytest.raises(DataError):
        load(ds, task="regression")


def test_csv_file(tmp_path):
    path = tmp_path / "mydata.csv"
    _frame().to_csv(path, index=False)
    ds = load(path, target="label")
    assert ds.name == "mydata"
    assert ds.source == str(path)
    assert ds.task == "binary"
    assert ds.n_rows == 40 and ds.n_features == 4
    assert isinstance(ds.X["colour"].dtype, pd.CategoricalDtype)
    assert pd.api.types.is_float_dtype(ds.X["num"])


def test_csv_default_target_column_and_question_mark_missing(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text("a,b,target\n1,2,0\n?,3,1\n4,?,0\n5,6,1\n")
    ds = load(str(path))
    assert ds.n_rows == 4
    assert ds.X["a"].isna().sum() == 1 and ds.X["b"].isna().sum() == 1
    assert pd.api.types.is_float_dtype(ds.X["a"])
    assert ds.task == "binary"


def test_tsv_file(tmp_path):
    path = tmp_path / "t.tsv"
    _numeric_frame().to_csv(path, sep="\t", index=False)
    ds = load(path, target="target")
    assert ds.name == "t"
    assert ds.n_features == 2 and ds.n_rows == 30
    assert ds.task == "multiclass"


def test_gzipped_csv_file(tmp_path):
    path = tmp_path / "g.csv.gz"
    with gzip.open(path, "wt") as fh:
        _numeric_frame().to_csv(fh, index=False)
    ds = load(path, target="target")
    assert ds.name == "g"
    assert ds.n_rows == 30 and ds.n_features == 2
    np.testing.assert_allclose(ds.X["a"].to_numpy(), _numeric_frame()["a"].to_numpy())


def test_a_corrupt_gzip_file_is_a_data_error(tmp_path):
    path = tmp_path / "corrupt.csv.gz"
    path.write_bytes(gzip.compress(b"a,target\n1,0\n")[:10] + b"\x00garbage" * 20)  # a gzip header, then noise
    _raises(r"^cannot read .*corrupt.csv.gz: ", load, path)


def test_a_target_cannot_be_named_for_a_dataset_that_holds_its_own(tmp_path):
    _raises(r"^sklearn:iris holds its target as its column 'target': another \('species'\) cannot be named", load,
            "sklearn:iris", target="species")
    assert load("sklearn:iris", target="target").n_rows == 150  # its own, named


def test_parquet_file(tmp_path):
    path = tmp_path / "p.parquet"
    _frame().to_parquet(path)
    ds = load(path, target="label")
    assert ds.name == "p"
    assert ds.task == "binary"
    assert isinstance(ds.X["colour"].dtype, pd.CategoricalDtype)
    assert pd.api.types.is_float_dtype(ds.X["flag"])
    np.testing.assert_allclose(ds.X["num"].to_numpy(), _frame()["num"].to_numpy())


ARFF = """% a tiny ARFF file
@RELATION weather
@ATTRIBUTE temp NUMERIC
@ATTRIBUTE outlook {sunny,rainy,overcast}
@ATTRIBUTE humidity REAL
@ATTRIBUTE play {yes,no}
@DATA
20.5,sunny,0.3,yes
18.0,rainy,0.8,no
25.1,overcast,?,yes
10.0,rainy,0.9,no
22.0,sunny,0.4,yes
15.5,overcast,0.7,no
"""


def test_arff_file_target_is_last_attribute(tmp_path):
    path = tmp_path / "weather.arff"
    path.write_text(ARFF)
    ds = load(path)
    assert ds.name == "weather"
    assert list(ds.X.columns) == ["temp", "outlook", "humidity"]
    assert ds.task == "binary"
    assert set(ds.y) == {"yes", "no"}
    assert isinstance(ds.X["outlook"].dtype, pd.CategoricalDtype)
    assert pd.api.types.is_float_dtype(ds.X["temp"])
    assert ds.X["humidity"].isna().sum() == 1


def test_arff_file_explicit_target(tmp_path):
    path = tmp_path / "weather.arff"
    path.write_text(ARFF)
    ds = load(path, target="outlook")
    assert ds.task == "multiclass"
    assert "play" in ds.X.columns and "outlook" not in ds.X.columns


def test_read_table_returns_arff_target(tmp_path):
    path = tmp_path / "w.arff"
    path.write_text(ARFF)
    frame, target = read_table(path)
    assert target == "play"
    assert frame.shape == (6, 4)
    csv = tmp_path / "c.csv"
    _numeric_frame().to_csv(csv, index=False)
    frame, target = read_table(csv)
    assert target is None and frame.shape == (30, 3)


PMLB_META = """dataset: toy
description: a toy dataset
source: generated
publication: none
task: classification
keywords:
  - toy
target:
  type: categorical
  description: the class
features:
  - name: a
    type: categorical
  - name: b
    type: continuous
"""


def _pmlb_folder(tmp_path, name="toy", n_classes=2, meta=PMLB_META):
    folder = tmp_path / name
    folder.mkdir()
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"a": rng.integers(0, 4, size=30), "b": rng.normal(size=30), "target": np.arange(30) % n_classes}
    )
    frame.to_csv(folder / f"{name}.tsv.gz", sep="\t", index=False, compression="gzip")
    (folder / "metadata.yaml").write_text(meta)
    return folder


def test_pmlb_folder_binary(tmp_path):
    folder = _pmlb_folder(tmp_path)
    ds = load(folder)
    assert ds.name == "toy"
    assert ds.task == "binary"
    assert ds.n_rows == 30 and ds.n_features == 2
    assert isinstance(ds.X["a"].dtype, pd.CategoricalDtype)
    assert ds.categorical == ("a",)
    assert pd.api.types.is_float_dtype(ds.X["b"])


def test_pmlb_folder_multiclass_as_string_path(tmp_path):
    folder = _pmlb_folder(tmp_path, name="three", n_classes=3)
    ds = load(str(folder))
    assert ds.task == "multiclass"
    assert isinstance(ds.X["a"].dtype, pd.CategoricalDtype)


def test_pmlb_folder_regression_and_max_rows(tmp_path):
    meta = PMLB_META.replace("task: classification", "task: regression")
    folder = _pmlb_folder(tmp_path, name="reg", n_classes=3, meta=meta)
    ds = load(folder)
    assert ds.task == "regression"
    assert ds.y.dtype == float
    small = load_pmlb(folder, max_rows=10)
    assert small.n_rows == 10


def test_the_current_folder_is_a_pmlb_folder_by_its_own_name(tmp_path, monkeypatch):
    meta = PMLB_META.replace("task: classification", "task: regression")
    monkeypatch.chdir(_pmlb_folder(tmp_path, name="reg", n_classes=3, meta=meta))
    ds = load(".")
    assert ds.name == "reg" and ds.task == "regression"


def test_pmlb_folder_without_data_file_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="PMLB"):
        load(tmp_path / "empty")


@pytest.mark.parametrize(
    "name, task, n_classes",
    [("iris", "multiclass", 3), ("breast_cancer", "binary", 2), ("diabetes", "regression", 0),
     ("wine", "multiclass", 3), ("digits", "multiclass", 10)],
)
def test_sklearn_datasets(name, task, n_classes):
    ds = load(f"sklearn:{name}")
    assert ds.task == task
    assert ds.name == name
    assert ds.source == f"sklearn:{name}"
    assert len(ds.classes) == n_classes
    assert ds.n_rows > 100 and ds.n_features >= 4
    assert all(pd.api.types.is_numeric_dtype(ds.X[c]) for c in ds.X.columns)
    assert name in SKLEARN_DATASETS


def test_sklearn_dataset_task_override():
    ds = load("sklearn:iris", task="regression")
    assert ds.task == "regression"
    assert ds.y.dtype == float


# --------------------------------------------------------------------------- task inference


@pytest.mark.parametrize(
    "y, expected",
    [
        (["a", "b"] * 10, "binary"),
        (["a", "b", "c"] * 10, "multiclass"),
        ([True, False] * 10, "binary"),
        ([0, 1] * 10, "binary"),
        ([0, 1, 2, 3, 4] * 4, "multiclass"),
        ([1.0, 2.0, 3.0] * 5, "multiclass"),
        (list(np.linspace(0, 1, 20)), "regression"),
        (list(range(100)), "regression"),
    ],
)
@pytest.mark.filterwarnings("ignore::metahpo.exceptions.DataWarning")  # 100 whole numbers: tested below
def test_infer_task(y, expected):
    assert infer_task(pd.Series(y)) == expected
    n = len(y)
    ds = load(np.arange(float(n)).reshape(-1, 1), np.array(y))
    assert ds.task == expected


def test_an_integer_target_with_more_than_30_values_is_regression_and_says_so():
    X, y = np.arange(120.0).reshape(-1, 1), np.arange(120) % 40
    with pytest.warns(DataWarning, match=r"target of 'dataset' holds 40 distinct whole numbers.*task='multiclass'"):
        assert load(X, y).task == "regression"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load(X, y, task="multiclass").task == "multiclass"
        assert load(X, y + 0.5).task == "regression"  # not whole numbers: a quantity, nothing to say
        assert load(X, y * 3).task == "regression"  # gaps between the values: no class codes


def test_all_constant_features_are_a_warning_a_missing_value_is_not_constant():
    y = np.arange(40) % 2
    with pytest.warns(DataWarning, match=r"every feature of 'flat' is constant.*majority class"):
        load(pd.DataFrame({"a": 1.0, "b": "x", "y": y}), target="y", name="flat")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load(pd.DataFrame({"a": np.where(y == 1, 1.0, np.nan), "y": y}), target="y")


def test_a_regression_target_of_a_scale_below_the_knowledge_bases_is_a_warning():
    X = np.random.default_rng(0).normal(size=(60, 3))
    y = X[:, 0] + np.random.default_rng(1).normal(size=60)
    with pytest.warns(DataWarning, match=r"'small' has a standard deviation of 0.0014: .*min_split_gain and "
                                         r"reg_alpha are in the target's units.*linear family's penalty "
                                         r"scales with the target, unaffected\). Divide the target"):
        load(X, y * 1e-3, name="small")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load(X, y * 0.05)  # within the knowledge base's range
        load(X, (y > 0) * 1.0 + 1, task="binary")  # classes (whole numbers as floats) have no scale


def test_classes_that_differ_only_in_case_or_spaces_are_a_warning_and_stay_apart():
    x = np.arange(40).reshape(-1, 1)
    with pytest.warns(DataWarning, match=r"^the target of 'survey' holds classes that differ only in case or spaces "
                                         r"\('no', ' no'; 'yes', 'Yes '\): each is a class "
                                         r"of its own; if they are one, make their text the same$"):
        data = load(x, ["yes", "Yes ", "no", " no"] * 10, name="survey")
    assert data.task == "multiclass" and data.y.nunique() == 4  # the data as given
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load(x, ["yes", "no"] * 20)
        load(x, [1, 0] * 20)


def test_a_data_warning_is_one_line_on_the_command_line(tmp_path):
    path = tmp_path / "flat.csv"
    pd.DataFrame({"a": 1.0, "target": np.arange(40) % 2}).to_csv(path, index=False)
    done = subprocess.run([sys.executable, "-m", "metahpo", "metafeatures", str(path), "--json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    assert done.stderr.splitlines() == [
        "metahpo: warning: every feature of 'flat' is constant: no model can tell its rows apart, so it can only "
        "predict the majority class, whatever the hyperparameters"]


def test_arrow_backed_columns_load_as_their_numpy_twins_and_new_rows_conform():
    """As ``read_parquet(..., dtype_backend="pyarrow")`` gives them: text stays categories (its
    missing values missing), dates and durations become seconds, dictionary-encoded text categories."""
    import pyarrow as pa  # a dependency: Parquet files are read with it
    frame = _frame().assign(when=pd.date_range("2021-01-01", periods=40, tz="UTC"),
                            took=pd.to_timedelta(np.arange(40), unit="s"))
    frame.loc[3, ["colour", "num"]] = None
    arrow = frame.convert_dtypes(dtype_backend="pyarrow")
    arrow["shop"] = pd.Series(["a", "b"] * 20).astype(pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string())))
    plain = load(frame.assign(shop=["a", "b"] * 20), target="label")
    loaded = load(arrow, target="label")
    pd.testing.assert_frame_equal(loaded.X, plain.X, check_categorical=False)
    assert loaded.X["colour"].isna().sum() == 1 and list(loaded.X["colour"].cat.categories) == ["blue", "green", "red"]
    pd.testing.assert_frame_equal(conform(arrow.drop(columns="label"), loaded.X), plain.X, check_categorical=False)


def test_date_objects_are_dates_and_a_target_of_dates_or_mixed_kinds_is_named():
    days = [datetime.date(2020, 1, 1) + datetime.timedelta(days=i) for i in range(30)]
    X = pd.DataFrame({"day": days, "a": np.arange(30.0)})
    assert load(X, np.arange(30) % 2).X["day"].tolist() == load(X.assign(day=pd.to_datetime(days)),
                                                                np.arange(30) % 2).X["day"].tolist()
    with pytest.raises(DataError, match="the target holds dates: give numbers"):
        load(X, pd.Series(pd.to_datetime(days)))
    with pytest.raises(DataError, match="the target mixes numbers and text: make its classes one kind"):
        load(X, pd.Series([1, "a"] * 15, dtype=object))


def test_infer_task_text_series_with_pandas_string_dtype():
    assert infer_task(pd.Series(["x", "y", "z", "x"], dtype="string")) == "multiclass"
    assert infer_task(pd.Series(["x", "y"] * 3, dtype="category")) == "binary"


def _categorical_target(values, n: int = 120, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Features and a pandas categorical target drawn from ``values``, its class told by feature ``x``."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, len(values), n)
    X = pd.DataFrame({"x": codes + rng.normal(scale=0.1, size=n), "noise": rng.normal(size=n)})
    return X, pd.Series(np.asarray(values)[codes]).astype("category")


@pytest.mark.parametrize("values, task, kind", [
    ([1.0, 2.0, 3.0], "multiclass", "f"),  # whole floats: inferred as a quantity if not categorical
    (list(range(50)), "multiclass", "i"),  # more than 30 whole numbers: the same, with a warning
    ([10, 20], "binary", "i"),
    (["b", "a", "c"], "multiclass", "O"),
    ([False, True], "binary", "b"),
])
def test_a_categorical_target_is_classes_whatever_it_holds_and_holds_them_as_given(values, task, kind):
    X, y = _categorical_target(values, n=400)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no suggestion of task='multiclass': it is
        ds = load(X, y)
    assert ds.task == task and ds.y.dtype.kind == kind  # numbers as numbers, as a classifier predicts them back
    assert ds.y.tolist() == y.tolist() and ds.classes.tolist() == sorted(set(y))
    pd.testing.assert_series_equal(load(X.assign(label=y), target="label").y, ds.y)  # a frame's column alike
    pd.testing.assert_series_equal(load(X, y.to_frame()).y, ds.y)  # as a one-column frame, or a Categorical
    pd.testing.assert_series_equal(load(X, pd.Categorical(y)).y, ds.y)


def test_a_parquet_files_categorical_of_integers_stays_categorical(tmp_path):
    frame = pd.DataFrame({"code": pd.Categorical([3, 1, 2, 1] * 10), "x": np.arange(40.0), "y": [0, 1] * 20})
    frame.to_parquet(tmp_path / "codes.parquet")  # pyarrow writes the codes' column as plain integers
    ds = load(tmp_path / "codes.parquet", target="y")
    assert isinstance(ds.X["code"].dtype, pd.CategoricalDtype) and ds.X["code"].tolist() == [3, 1, 2, 1] * 10
    assert pd.api.types.is_float_dtype(ds.X["x"])
    frame.to_parquet(tmp_path / "parts.parquet", partition_cols=["y"])  # a folder of parts (a prior's, say)
    assert len(read_table(tmp_path / "parts.parquet")[0]) == 40  # read as pandas reads it


def test_a_parquet_files_categorical_target_is_classes(tmp_path):
    X, y = _categorical_target([1.0, 2.0, 3.0])
    X.assign(target=y).to_parquet(tmp_path / "c.parquet")
    ds = load(tmp_path / "c.parquet")
    assert ds.task == "multiclass" and ds.y.tolist() == y.tolist()
    pd.DataFrame({"file": ["c.parquet"], "target": ["target"]}).to_csv(tmp_path / MANIFEST, index=False)
    assert load_entry(read_manifest(tmp_path)[0]).task == "multiclass"


def test_a_categorical_target_of_numbers_not_all_whole_names_the_remedy_which_works():
    X, y = _categorical_target([0.5, 1.5, 2.5])
    msg = _raises(r"numbers not all whole \(0.5, 1.5, 2.5\)", load, X, y)
    assert "give the classes as text (y.astype(str)) with task='multiclass'" in msg  # text of such numbers alone
    ds = load(X, y.astype(str), task="multiclass")  # would be a quantity: classifiers cannot take them as numbers
    assert ds.task == "multiclass" and ds.classes.tolist() == ["0.5", "1.5", "2.5"]


def test_task_regression_takes_a_categorical_target_of_numbers_for_those_numbers():
    X, y = _categorical_target([0.5, 1.5, 2.5])
    ds = load(X, y, task="regression")
    assert ds.y.dtype == float and ds.y.tolist() == y.astype(float).tolist()
    _raises("task 'regression' but the target holds non-numeric values", load, X, y.cat.rename_categories(list("abc")),
            task="regression")


def test_an_object_target_of_numbers_holds_numbers_and_one_of_other_objects_is_named():
    X, y = _categorical_target([1, 2, 3])
    ds = load(X, y.astype(object))
    assert ds.task == "multiclass" and ds.y.dtype.kind == "i"  # as classifiers take them ("unknown" as objects)
    binned = pd.Series(pd.cut(X["noise"], 3))
    _raises(r"the target holds Interval values; .* give them as text \(y.astype\(str\)\)", load, X, binned)


def test_tune_on_a_categorical_target_predicts_its_categories_as_on_the_same_target_not_categorical():
    from metahpo import tune

    X, y = _categorical_target([1.0, 2.0, 3.0])
    options = dict(n_trials=2, family="lightgbm", sampler=None, cv=2, random_state=0, verbose=False)
    predicted = tune(X, y, **options).predict(X)
    assert set(predicted) <= {1.0, 2.0, 3.0} and (predicted == y.to_numpy(float)).mean() > 0.9
    np.testing.assert_array_equal(predicted, tune(X, y.astype(float), task="multiclass", **options).predict(X))
    with pytest.raises(DataError, match="numbers not all whole"):
        tune(X, y.cat.rename_categories([0.5, 1.5, 2.5]), **options)


def test_task_override_on_inferred_classes():
    frame = _numeric_frame()
    assert load(frame, target="target").task == "multiclass"
    ds = load(frame, target="target", task="regression")
    assert ds.task == "regression"
    assert ds.y.dtype == float
    frame2 = pd.DataFrame({"a": np.arange(10.0), "y": np.arange(10) % 2})
    assert load(frame2, target="y", task="multiclass").task == "multiclass"


def test_regression_targets_are_floats_and_classes_empty():
    ds = load(np.arange(40.0).reshape(-1, 1), np.arange(40) * 1.5)
    assert ds.task == "regression"
    assert ds.y.dtype == float
    assert len(ds.classes) == 0


def test_explicit_categorical_columns():
    frame = pd.DataFrame({"code": np.arange(20) % 4, "x": np.arange(20.0), "y": np.arange(20) % 2})
    ds = load(frame, target="y", categorical=["code"])
    assert isinstance(ds.X["code"].dtype, pd.CategoricalDtype)
    assert ds.categorical == ("code",)
    assert pd.api.types.is_float_dtype(ds.X["x"])


def test_repr_mentions_name_task_and_shape():
    ds = load(_frame(), target="label", name="toy")
    text = repr(ds)
    assert "toy" in text and "binary" in text and "40" in text


# --------------------------------------------------------------------------- errors


def _raises(match, func, *args, **kwargs):
    with pytest.raises(DataError, match=match) as info:
        func(*args, **kwargs)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, MetahpoError)
    return str(info.value)


def test_empty_frame():
    _raises("empty", load, pd.DataFrame({"a": pd.Series([], dtype=float), "y": pd.Series([], dtype=float)}),
            target="y")
    _raises("empty", load, np.empty((0, 3)), np.empty(0))


def test_one_row_is_refused_whatever_the_folds_asked_later():
    from metahpo import tune

    _raises("has 1 row: nothing can be learned", load, pd.DataFrame({"a": [1.0], "y": [0]}), target="y")
    _raises("has 1 row: nothing can be learned", tune, pd.DataFrame({"a": [1.0]}), [0], cv=3, n_trials=1)


def test_no_feature_columns():
    _raises("no feature columns", load, pd.DataFrame({"y": [0, 1, 0, 1]}), target="y")
    _raises("no feature columns", load, np.empty((4, 0)), np.array([0, 1, 0, 1]))


def test_missing_target_column_is_named():
    msg = _raises("not found", load, _frame(), target="nope")
    assert "nope" in msg


def test_missing_target_column_in_file_is_named(tmp_path):
    path = tmp_path / "d.csv"
    _numeric_frame().to_csv(path, index=False)
    msg = _raises("not found", load, path, target="klass")
    assert "klass" in msg


def _wide_file(tmp_path, name: str = "wide.csv"):
    """A file of 30 features and, last, its ``target``: the shape of ``load_breast_cancer``."""
    frame = pd.DataFrame({f"feature {i}": np.arange(6.0) + i for i in range(30)}).assign(target=[0, 1] * 3)
    frame.to_csv(tmp_path / name, index=False)
    return tmp_path / name


@pytest.mark.parametrize("typed, meant", [("Target", "'target'"), ("targte", "'target'"),
                                          ("feature_7", "'feature 7', 'feature 27' or 'feature 17'")])
def test_a_mistyped_target_is_answered_with_the_column_meant_on_one_line(tmp_path, typed, meant):
    msg = _raises("not found", load, _wide_file(tmp_path), target=typed)
    assert msg.startswith(f"target column '{typed}' not found in wide.csv (did you mean {meant}?); columns are ")
    assert msg.endswith("feature 28, feature 29, target (31 in all)") and "\n" not in msg  # the last column too


def test_a_target_like_no_column_suggests_none_and_shows_the_first_and_last_columns(tmp_path):
    assert _raises("not found", load, _wide_file(tmp_path), target="label") == (
        "target column 'label' not found in wide.csv; columns are feature 0, feature 1, feature 2, feature 3, "
        "feature 4, ..., feature 28, feature 29, target (31 in all)")


def test_a_case_only_mismatch_is_suggested_before_close_spellings():
    frame = pd.DataFrame({"Label": [0, 1] * 3, "label_": [0, 1] * 3, "x": np.arange(6.0)})
    assert "(did you mean 'Label'?); columns are Label, label_, x" in _raises("not found", load, frame, target="LABEL")


def test_a_mistyped_target_in_a_manifest_or_a_pmlb_folder_is_answered_alike(tmp_path):
    path = _wide_file(tmp_path)
    (tmp_path / MANIFEST).write_text("file,target\nwide.csv,Target\n")
    _raises(r"target column 'Target' not found in .*wide.csv \(did you mean 'target'\?\)",
            load_entry, read_manifest(tmp_path)[0])
    folder = tmp_path / "toy"
    folder.mkdir()
    pd.read_csv(path).rename(columns={"target": "Target"}).to_csv(folder / "toy.tsv.gz", sep="\t", index=False)
    _raises(r"target column 'target' not found in .*toy.tsv.gz \(did you mean 'Target'\?\)", load, folder)


def test_frame_without_target_is_an_error():
    _raises("target", load, _frame())
    _raises("target", load, np.zeros((3, 2)))


def test_nan_in_target():
    _raises("missing", load, np.arange(10.0).reshape(-1, 1), np.array([0, 1, np.nan, 1, 0, 1, 0, 1, 0, 1]))
    _raises("missing", load, pd.DataFrame({"a": range(6), "y": ["a", "b", None, "a", "b", "a"]}), target="y")


def test_inf_in_target():
    y = np.linspace(0, 1, 30)
    y[4] = np.inf
    _raises("infinite", load, np.arange(30.0).reshape(-1, 1), y)


def test_single_class():
    msg = _raises("single class", load, np.arange(10.0).reshape(-1, 1), np.array(["a"] * 10))
    assert "'a'" in msg


def test_constant_regression_target():
    msg = _raises("single value", load, np.arange(10.0).reshape(-1, 1), np.full(10, 2.5))
    assert msg.endswith("(2.5): nothing to learn")
    _raises(r"single value \(3.0\)", load, np.arange(10.0).reshape(-1, 1), np.full(10, 3), task="regression")


def test_duplicate_column_names():
    frame = pd.DataFrame(np.arange(12).reshape(4, 3), columns=["a", "a", "y"])
    msg = _raises("duplicate", load, frame, target="y")
    assert "a" in msg
    X = pd.DataFrame(np.arange(8.0).reshape(4, 2), columns=["b", "b"])
    _raises("duplicate", load, X, np.array([0, 1, 0, 1]))


def test_x_y_length_mismatch():
    msg = _raises("rows", load, np.zeros((5, 2)), np.array([0, 1, 0, 1]))
    assert "5" in msg and "4" in msg


def test_numeric_column_with_garbage_names_column_and_value():
    values = [str(float(i)) for i in range(40)]
    values[17] = "oops"
    frame = pd.DataFrame({"weight": values, "ok": np.arange(40.0), "y": np.arange(40) % 2})
    msg = _raises("weight", load, frame, target="y")
    assert "oops" in msg


def test_long_columns_are_read_from_a_sample_as_text_or_whole_as_numbers():
    n = 5_000
    numbers = [str(i / 7) for i in range(n)]
    numbers[4_321] = "oops"  # one value of 5,000: a numeric column with garbage, however the sample falls
    frame = pd.DataFrame({"weight": numbers, "shop": np.array(["a", "b", "1"])[np.arange(n) % 3],
                          "y": np.arange(n) % 2})
    assert "oops" in _raises("weight", load, frame, target="y")
    loaded = load(frame.drop(columns="weight").assign(weight=[str(i / 7) for i in range(n)]), target="y")
    assert isinstance(loaded.X["shop"].dtype, pd.CategoricalDtype) and loaded.X["weight"].dtype == float


def test_numeric_column_with_garbage_in_csv(tmp_path):
    frame = pd.DataFrame({"height": np.arange(40.0), "y": np.arange(40) % 2}).astype(object)
    frame.loc[5, "height"] = "n/a!"
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    msg = _raises("height", load, path, target="y")
    assert "n/a!" in msg


def test_unknown_task():
    msg = _raises("unknown task", load, _frame(), target="label", task="ranking")
    assert "ranking" in msg
    ds = load(_frame(), target="label")
    object.__setattr__(ds, "task", "clustering")
    _raises("unknown task", check_dataset, ds)


def test_unknown_sklearn_dataset():
    msg = _raises("unknown scikit-learn dataset", load, "sklearn:titanic")
    assert "titanic" in msg


def test_missing_file(tmp_path):
    missing = tmp_path / "nowhere.csv"
    msg = _raises("no such file", load, missing, target="y")
    assert "nowhere.csv" in msg


def test_unreadable_file(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_text("this is not parquet")
    _raises("cannot read", load, path)
    _raises(r"^the target column's name is empty; name a column", load, path, target="")  # not the column 'target'
    sheet = tmp_path / "table.xlsx"
    sheet.write_bytes(b"PK\x03\x04 a zipped workbook")
    _raises(r"^cannot read table.xlsx: metahpo reads CSV/TSV \(gzipped too\), Parquet and ARFF files", load, sheet)


def test_single_column_csv_hints_at_separator(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("a;b;target\n1;2;0\n3;4;1\n")
    _raises("single column", load, path)


def test_unknown_categorical_column():
    msg = _raises("categorical", load, _frame(), target="label", categorical=["shape"])
    assert "shape" in msg


def test_binary_task_with_three_classes():
    msg = _raises("binary", load, _numeric_frame(), target="target", task="binary")
    assert "3" in msg


def test_regression_task_with_text_target():
    _raises("regression", load, _frame(), target="label", task="regression")


def test_check_dataset_needs_as_many_rows_as_folds():
    ds = from_arrays(np.arange(3.0).reshape(-1, 1), np.array([0, 1, 0]))
    assert check_dataset(ds) is ds
    msg = _raises("fewer than", check_dataset, ds, cv=5)
    assert "3" in msg and "5" in msg


def test_both_y_and_target_is_an_error():
    _raises("either", load, _frame().drop(columns="label"), np.arange(40) % 2, target="label")


# --------------------------------------------------------------------------- subsample


def _imbalanced(counts=(60, 30, 6), seed=0) -> Dataset:
    labels = np.concatenate([np.full(c, k) for k, c in enumerate(counts)])
    rng = np.random.default_rng(seed)
    rng.shuffle(labels)
    X = np.column_stack([np.arange(len(labels), dtype=float), rng.normal(size=len(labels))])
    return from_arrays(X, np.array([f"c{k}" for k in labels]))


def test_subsample_keeps_every_class_and_exact_size():
    ds = _imbalanced()
    for seed in range(5):
        small = ds.subsample(20, random_state=seed)
        assert small.n_rows == 20
        assert set(small.y) == {"c0", "c1", "c2"}
        assert small.task == ds.task and small.name == ds.name
        assert list(small.X.index) == list(range(20))
        # rows stay aligned: feature x0 is the original row number
        original = ds.y.to_numpy()[small.X["x0"].to_numpy().astype(int)]
        np.testing.assert_array_equal(original, small.y.to_numpy())
        assert small.X["x0"].is_unique


def test_subsample_keeps_rare_classes_even_when_quotas_overflow():
    # 98 rows of one class, one row each of two others: 3 rows can hold every class.
    y = np.array(["big"] * 98 + ["r1", "r2"])
    ds = from_arrays(np.arange(100.0).reshape(-1, 1), y)
    for seed in range(5):
        small = ds.subsample(3, random_state=seed)
        assert small.n_rows == 3
        assert set(small.y) == {"big", "r1", "r2"}, f"seed {seed}: {sorted(set(small.y))}"


def test_subsample_is_deterministic_per_seed():
    ds = _imbalanced()
    a = ds.subsample(25, random_state=3)
    b = ds.subsample(25, random_state=3)
    c = ds.subsample(25, random_state=4)
    pd.testing.assert_frame_equal(a.X, b.X)
    pd.testing.assert_series_equal(a.y, b.y)
    assert not a.X["x0"].equals(c.X["x0"])


def test_subsample_is_a_no_op_when_smaller():
    ds = _imbalanced()
    assert ds.subsample(ds.n_rows) is ds
    assert ds.subsample(10_000) is ds


def test_subsample_regression_exact_size_without_duplicates():
    ds = from_arrays(np.arange(50.0).reshape(-1, 1), np.linspace(0, 3, 50) ** 2)
    small = ds.subsample(17, random_state=1)
    assert small.n_rows == 17
    assert small.X["x0"].is_unique
    np.testing.assert_allclose(small.y.to_numpy(), (np.linspace(0, 3, 50) ** 2)[small.X["x0"].astype(int)])


def test_columns_that_collide_once_named_as_text_are_duplicates():
    # 1 and "1" are distinct labels in pandas but both become the feature name "1".
    X = pd.DataFrame({1: np.arange(4.0), "1": np.arange(4.0) * 2})
    _raises("duplicate", load, X, np.array([0, 1, 0, 1]))


def test_names_lightgbm_would_rename_collide_as_a_clear_error_and_an_empty_name_is_kept():
    import lightgbm

    rng = np.random.default_rng(0)
    _raises("'a b' and 'a_b' are both 'a_b'", load, pd.DataFrame(rng.normal(size=(20, 2)), columns=["a b", "a_b"]),
            rng.integers(0, 2, 20))
    data = load(pd.DataFrame(rng.normal(size=(20, 3)), columns=["", "x\ny", "z"]), rng.integers(0, 2, 20))
    assert list(data.X.columns) == ["_", "x_y", "z"]
    lightgbm.LGBMClassifier(n_jobs=1, n_estimators=2, verbosity=-1).fit(data.X, data.y)  # raises on the original names


def test_the_target_is_one_column_and_a_path_holds_its_own(tmp_path):
    X = pd.DataFrame({"a": np.arange(6.0)})
    _raises(r"y must be one target \(one-dimensional\), got shape \(6, 2\)", load, X, np.zeros((6, 2)))
    assert load(X, np.array([[0], [1]] * 3)).y.tolist() == [0, 1] * 3  # one column is one target
    _raises("pass target='column', not y", load, str(tmp_path / "data.csv"), [0, 1])


def test_names_lightgbm_refuses_are_made_safe_and_models_train():
    import lightgbm

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"Jitter:RAP": rng.normal(size=60), "a[1]": rng.normal(size=60),
                          "label": rng.integers(0, 2, 60)})
    data = load(frame, target="label", categorical=["a[1]"])
    assert list(data.X.columns) == ["Jitter_RAP", "a_1_"] and data.categorical == ("a_1_",)
    lightgbm.LGBMClassifier(n_jobs=1, n_estimators=2, verbosity=-1).fit(data.X, data.y)  # raises on the original names


def test_a_named_source_takes_the_name_and_categorical_columns_given():
    iris = load("sklearn:iris", name="flowers", categorical=["petal length (cm)"])
    assert iris.name == "flowers" and iris.categorical == ("petal_length_(cm)",)
    with pytest.raises(DataError, match=r"^categorical column 'petals' not found; columns are sepal_length_\(cm\), "):
        load("sklearn:iris", categorical=["petals"])
    with pytest.raises(DataError, match=r"^categorical columns 'a', 'b' not found; "):
        from_arrays(np.zeros((3, 1)), [0, 1, 0], categorical=["b", "a"])


def test_categories_that_are_neither_numbers_nor_text_become_their_text_and_new_rows_read_alike():
    from metahpo.datasets import conform

    rng = np.random.default_rng(0)
    codes, a = rng.integers(0, 4, 120), rng.normal(size=120)
    frame = pd.DataFrame({"mixed": pd.Series(np.array([1, 2, "x", "y"], dtype=object)[codes]).astype("category"),
                          "bins": pd.cut(a, 4), "days": pd.Categorical(pd.to_datetime(codes, unit="D")),
                          "y": codes % 2})
    data = load(frame, target="y")
    for column in ("mixed", "bins", "days"):
        assert pd.api.types.infer_dtype(data.X[column].cat.categories) == "string"
    assert set(data.X["mixed"].cat.categories) == {"1", "2", "x", "y"}
    pd.testing.assert_frame_equal(conform(frame.drop(columns="y"), data.X), data.X)  # no category lost as missing
    numbers = load(frame.assign(mixed=pd.Categorical(codes)), target="y")
    assert numbers.X["mixed"].cat.categories.dtype.kind == "i"  # numbers stay numbers


def test_a_numeric_column_with_a_text_marker_in_many_rows_is_named():
    values = pd.Series(np.round(np.linspace(10, 90, 200), 1), dtype=object)
    values[::10] = "unknown"  # 10%: more than garbage, but the numbers are no categories either
    msg = _raises("income", load, pd.DataFrame({"income": values, "y": np.arange(200) % 2}), target="y")
    assert "'unknown' (20 of 200 values)" in msg and "na_values" in msg
    rooms = pd.Series(np.array(["1", "2", "3", "4+"])[np.arange(200) % 4])  # few numbers and a text: categories
    assert isinstance(load(pd.DataFrame({"rooms": rooms, "y": np.arange(200) % 2}), target="y").X["rooms"].dtype,
                      pd.CategoricalDtype)


def test_periods_are_the_dates_they_start_on_and_complex_numbers_are_named():
    months = pd.Series(pd.period_range("2020-01", periods=60, freq="M"))
    data = load(pd.DataFrame({"month": months, "a": np.arange(60)}), np.arange(60) % 2)
    starts = (months.dt.to_timestamp() - pd.Timestamp(0)) / pd.Timedelta(seconds=1)
    assert data.X["month"].tolist() == starts.tolist()  # seconds, as dates are, not period ordinals
    assert conform(pd.DataFrame({"month": months[:3], "a": [1, 2, 3]}), data.X)["month"].tolist() == starts[:3].tolist()
    _raises(r"^column 'z' holds complex numbers", load, pd.DataFrame({"z": np.arange(60) * (1 + 1j)}),
            np.arange(60) % 2)


def test_a_date_column_with_a_text_marker_is_named_not_made_categories(tmp_path):
    dates = pd.Series(pd.date_range("2020-01-01", periods=200), dtype=object)
    dates[5] = "unknown"  # Timestamps and one text
    msg = _raises("d", load, pd.DataFrame({"d": dates, "y": np.arange(200) % 2}), target="y")
    assert msg.startswith("column 'd' holds dates but also text such as 'unknown' (1 of 200 values)")
    dates[5] = "today"  # which pandas reads as a date
    today = _raises("d", load, pd.DataFrame({"d": dates, "y": np.arange(200) % 2}), target="y")
    assert "holds dates but also text such as 'today'" in today
    text = pd.Series(pd.date_range("2020-01-01", periods=200).astype(str))
    text[7] = "2020-02-30"  # ISO 8601 text, as a CSV file holds dates, and a day no month has
    pd.DataFrame({"d": text, "y": np.arange(200) % 2}).to_csv(tmp_path / "dates.csv", index=False)
    assert "holds dates but also text such as '2020-02-30'" in _raises("d", load, tmp_path / "dates.csv", target="y")
    marked = pd.Series(np.array(["2020-01-01", "n/a"])[np.arange(200) % 2])  # half of them: categories
    assert isinstance(load(pd.DataFrame({"d": marked, "y": np.arange(200) // 100}), target="y").X["d"].dtype,
                      pd.CategoricalDtype)


def test_dates_as_text_in_a_frame_are_dates_as_in_the_file_it_was_read_from(tmp_path):
    when = pd.Timestamp("2021-03-01") + pd.to_timedelta(np.arange(0, 300 * 3600, 3600), unit="s")
    pd.DataFrame({"when": when, "y": np.arange(300) % 2}).to_csv(tmp_path / "d.csv", index=False)
    from_path, from_frame = load(tmp_path / "d.csv", target="y"), load(pd.read_csv(tmp_path / "d.csv"), target="y")
    pd.testing.assert_frame_equal(from_frame.X, from_path.X)  # seconds, not a category per date
    assert pd.api.types.is_float_dtype(from_frame.X["when"])


def test_conform_takes_a_category_by_value_whatever_type_holds_it():
    y = np.arange(60) % 2
    given = pd.DataFrame({"flag": pd.Categorical([True, False] * 30), "a": np.arange(60)})
    flags = load(given, y).X
    pd.testing.assert_frame_equal(conform(given, flags), flags)  # its own training frame
    assert conform(given.astype({"flag": bool}), flags)["flag"].tolist() == [True, False] * 30
    assert conform(pd.DataFrame({"flag": [1, 0, 1.0], "a": [1, 2, 3]}), flags)["flag"].tolist() == [True, False, True]
    big = [2**53, 2**53 + 1, 2**53 + 2]  # codes beyond a float's precision (ids, hashes) match exactly
    ids = load(pd.DataFrame({"c": pd.Categorical(big * 20), "a": np.arange(60)}), y).X
    assert conform(pd.DataFrame({"c": big[::-1], "a": [1, 2, 3]}), ids)["c"].tolist() == big[::-1]
    codes = load(pd.DataFrame({"code": pd.Categorical([1, 2, 3] * 20), "a": np.arange(60)}), y).X
    given = pd.DataFrame({"code": pd.Series([True, 2.0, "3", 7], dtype=object), "a": [1, 2, 3, 4]})
    assert conform(given, codes)["code"].astype(object).tolist()[:3] == [1, 2, 3]  # 7: not a category, missing
    assert pd.isna(conform(given, codes)["code"].iloc[3])


def test_a_text_category_of_a_number_is_the_same_whatever_rows_come_with_it_and_however_written():
    y = np.arange(40) % 2
    mixed = load(pd.DataFrame({"m": pd.Series([2.0, 1.5, "a", "b"] * 10, dtype=object), "a": np.arange(40)}), y).X
    assert list(mixed["m"].cat.categories) == ["1.5", "2", "a", "b"]
    alone = conform(pd.DataFrame({"m": [2.0], "a": [1]}), mixed)["m"].tolist()
    beside = conform(pd.DataFrame({"m": [2.0, 1.5], "a": [1, 2]}), mixed)["m"].tolist()
    assert alone == ["2"] and beside == ["2", "1.5"]  # 2.0 is "2" beside a 1.5 too
    codes = load(pd.DataFrame({"zone": ["2.0", "1.5", "a", "b"] * 10, "a": np.arange(40)}), y).X  # "2.0" as text
    new = conform(pd.DataFrame({"zone": [2.0, 3.0, 1.5, "a"], "a": [1, 2, 3, 4]}), codes)["zone"]  # 2.0 a number
    assert new.astype(object).where(new.notna(), None).tolist() == ["2.0", None, "1.5", "a"]


def test_a_feature_named_like_the_hashed_target_still_counts_in_the_fingerprint():
    y = np.arange(100) % 2
    one, other = (load(pd.DataFrame({"x": np.arange(100.0), "_target": values}), y)
                  for values in (y, np.linspace(0, 1, 100)))
    assert one.fingerprint() != other.fingerprint()


def test_a_text_target_of_numbers_is_read_as_numbers():
    x = np.linspace(-1, 1, 100).reshape(-1, 1)
    quantity = np.round(np.linspace(0, 50, 100), 2)
    data = load(x, quantity.astype(str))
    assert data.task == "regression" and data.y.tolist() == quantity.tolist()
    assert load(x, pd.Categorical(quantity.astype(str))).task == "multiclass"  # declared classes stay classes
    codes = load(x, np.where(x[:, 0] > 0, "1", "0"))  # few whole numbers: classes, labels kept as given
    assert codes.task == "binary" and set(codes.y) == {"0", "1"}


def test_a_column_name_given_as_y_is_pointed_to_target():
    frame = _frame()
    assert _raises("not a target", load, frame, "label").endswith("pass target='label'")


def test_a_text_files_repeated_or_missing_column_names_are_named(tmp_path):
    from metahpo.exceptions import DataWarning

    repeated = tmp_path / "repeated.csv"
    repeated.write_text("a,a,y\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(6)))
    assert _raises("duplicate", load, repeated, target="y") == "repeated.csv's header: duplicate column names: a"
    indexed = tmp_path / "indexed.csv"
    pd.DataFrame({"a": np.arange(20.0), "y": np.arange(20) % 2}).to_csv(indexed)  # with its index, unnamed
    with pytest.warns(DataWarning, match=r"indexed.csv: column 1 has no name .*index=False"):
        assert list(load(indexed, target="y").X.columns) == ["Unnamed__0", "a"]
    two_level = tmp_path / "two_level.csv"  # two unnamed header cells: not a repeated name
    pd.DataFrame({"a": np.arange(20.0), "y": np.arange(20) % 2},
                 index=pd.MultiIndex.from_arrays([np.arange(20) // 2, np.arange(20)])).to_csv(two_level)
    with pytest.warns(DataWarning, match=r"two_level.csv: columns 1, 2 have no name .* they are features"):
        assert list(load(two_level, target="y").X.columns) == ["Unnamed__0", "Unnamed__1", "a"]


def test_loading_a_frame_leaves_the_users_frame_as_it_was():
    X = pd.DataFrame({"a b": [1.0, None, 3.0, 4.0], "t": ["x", "y", None, "x"], "n": ["1", "2", "3", "4"]},
                     index=[5, 6, 7, 8])
    y = pd.Series([0, 1, 0, 1], index=X.index)
    before = X.copy()
    ds = load(X, y)
    ds.X.iloc[0, 0] = 99.0  # the dataset's values are its own, too
    pd.testing.assert_frame_equal(X, before)
    assert list(ds.X.columns) == ["a_b", "t", "n"] and ds.X["n"].dtype.kind == "f"


def test_subsample_keeps_every_class_when_their_least_rows_do_not_fit():
    y = np.repeat(np.arange(500), 20)  # 500 classes x 10 rows would not fit in 2,000: each keeps what fits
    ds = from_arrays(np.arange(10_000.0).reshape(-1, 1), y, task="multiclass")
    small = ds.subsample(2000, random_state=0, min_per_class=10)
    assert small.n_rows == 2000
    assert small.y.value_counts().min() == 4


def test_dates_beyond_nanoseconds_range_are_seconds_and_others_keep_theirs_whatever_dates_come_with_them(tmp_path):
    y = np.arange(60) % 2
    odd = np.datetime64("2000-01-01T13:09:01.563", "ms")  # in nanoseconds, its seconds end in another bit
    ns_seconds = (pd.Series([odd]) - pd.Timestamp(0)) / pd.Timedelta(seconds=1)  # the seconds it always had
    assert ns_seconds[0] != (odd - np.datetime64(0, "s")) / np.timedelta64(1, "s")
    when = np.array([odd, "9999-12-31", "1500-01-01", "NaT"] * 15, dtype="datetime64[ms]")
    seconds = load(pd.DataFrame({"when": when}), y).X["when"]
    assert seconds.tolist()[:3] == [ns_seconds[0], 253402214400.0, -14831769600.0] and seconds.isna().sum() == 15
    until = np.array(["9999-12-31", "2020-01-01T00:00:01"] * 30, dtype="datetime64[s]")
    assert load(pd.DataFrame({"until": until}), y).X["until"].tolist()[:2] == [253402214400.0, 1577836801.0]
    days = [datetime.date(9999, 12, 31), datetime.date(2020, 1, 1)] * 30  # as SQL gives them
    assert load(pd.DataFrame({"day": days}), y).X["day"].tolist()[:2] == [253402214400.0, 1577836800.0]
    text = pd.Series(["2000-01-01 13:09:01.563", "2021-06-01 12:00", "9999-12-31", "2020-01-01T00:00Z"] * 15)
    pd.DataFrame({"when": text, "y": y}).to_csv(tmp_path / "sentinel.csv", index=False)
    pd.DataFrame({"when": text.where(text != "9999-12-31", None), "y": y}).to_csv(tmp_path / "in_range.csv",
                                                                                  index=False)
    from_file = load(tmp_path / "sentinel.csv", target="y").X["when"]
    assert from_file.iloc[2] == 253402214400.0  # a CSV file's "no end" date: seconds, not a traceback
    in_range = load(tmp_path / "in_range.csv", target="y").X["when"]
    pd.testing.assert_series_equal(from_file[text != "9999-12-31"], in_range[text != "9999-12-31"])


def test_complex_numbers_among_objects_or_in_the_target_are_an_error():
    _raises(r"^column 'z' holds complex numbers", load, pd.DataFrame({"z": pd.Series([1j, 2 + 0j, 3] * 20,
                                                                                     dtype=object)}), np.arange(60) % 2)
    for target in (np.r_[1j, np.arange(59.0)], pd.Series([np.complex128(1j), 2.0] * 30, dtype=object),
                   pd.Series([2j, 1.0] * 30, dtype=object)):
        _raises(r"^the target holds complex numbers", load, np.arange(60.0), target)


def test_decimal_targets_are_numbers_a_quantity_or_classes():
    import decimal

    import pyarrow as pa

    x = np.arange(300.0)
    amounts = [decimal.Decimal(i) / 10 for i in range(300)]  # as read_sql gives a NUMERIC column
    for target in (pd.Series(amounts), pd.Series(amounts, dtype=pd.ArrowDtype(pa.decimal128(5, 1)))):
        data = load(x, target)
        assert data.task == "regression" and data.y.tolist() == [i / 10 for i in range(300)]
    codes = load(x, [decimal.Decimal(i % 2) for i in range(300)])
    assert codes.task == "binary" and codes.y.tolist()[:2] == [0, 1]


def test_objects_holding_durations_or_numpy_dates_are_durations_and_dates():
    y = np.arange(60) % 2
    minutes = pd.to_timedelta(np.arange(60), unit="min")
    as_durations = load(pd.DataFrame({"took": minutes}), y).X
    for objects in ([datetime.timedelta(minutes=i) for i in range(60)], [np.timedelta64(i, "m") for i in range(60)]):
        pd.testing.assert_frame_equal(load(pd.DataFrame({"took": pd.Series(objects, dtype=object)}), y).X,
                                      as_durations)  # seconds, not a category per duration
    days = pd.date_range("2020-01-01", periods=60)
    objects = pd.Series([np.datetime64(d, "D") for d in days.date], dtype=object)
    pd.testing.assert_frame_equal(load(pd.DataFrame({"day": objects}), y).X, load(pd.DataFrame({"day": days}), y).X)


def test_a_target_whose_index_is_xs_in_another_order_is_paired_by_position_with_a_warning():
    X = pd.DataFrame({"a": np.arange(60.0)}, index=np.arange(60) * 2)
    y = pd.Series(np.arange(60) % 2, index=X.index)
    with pytest.warns(DataWarning, match=r"same labels in another order: rows are paired by position .* "
                                         r"pass y.loc\[X.index\]"):
        shuffled = load(X, y.iloc[::-1])
    assert shuffled.y.tolist() == y.iloc[::-1].tolist()  # by position, as scikit-learn pairs them
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same order, or other labels: no warning
        load(X, y)
        load(X, y.reset_index(drop=True))
        load(X, y.to_numpy()[::-1])
        load(X.set_axis(pd.MultiIndex.from_arrays([X.index, X.index])), y.reset_index(drop=True))


def test_a_ragged_list_or_a_dict_of_columns_as_x():
    _raises(r"^X is no table: its rows are not all of one length \(setting an array element with a sequence",
            load, [[1.0, 2.0], [1.0]] * 30, np.arange(60) % 2)
    columns = {"a": np.arange(60.0), "b c": ["x", "y"] * 30}
    data = load(columns, np.arange(60) % 2)  # as pd.DataFrame(columns)
    pd.testing.assert_frame_equal(data.X, load(pd.DataFrame(columns), np.arange(60) % 2).X)
    assert list(data.X.columns) == ["a", "b_c"]
    _raises(r"^a dict of columns that pandas makes no DataFrame of \(All arrays must be of the same length\)",
            load, {"a": np.arange(60.0), "b": [1.0]}, np.arange(60) % 2)


def test_an_arrow_table_is_taken_as_the_frame_it_converts_to():
    import pyarrow as pa

    X = pd.DataFrame({"age": np.arange(60.0), "day": pd.date_range("2020", periods=60), "town": ["a", "b"] * 30})
    y = np.arange(60) % 2
    from_table = load(pa.Table.from_pandas(X), pa.chunked_array([y]))
    pd.testing.assert_frame_equal(from_table.X, load(X, y).X)  # its names and dates, not x0, x1 and a crash
    assert from_table.y.tolist() == y.tolist()
    assert load(pa.Table.from_pandas(X.assign(y=y)), target="y").X.columns.tolist() == ["age", "day", "town"]
