"""OpenML datasets (openml_source) and runs (openml_runs), tested offline against recorded files.

``tests/data/openml/cache`` is an openml 0.15 cache directory (``org/openml/www/datasets/ID``,
``.../tasks/ID``) and ``tests/data/openml/api`` holds recorded server responses, one file per
endpoint. Every test runs the real openml client code; the network is replaced by
:class:`RecordedServer`, which answers recorded endpoints and fails every other request the way
``requests`` does offline, and sockets refuse to connect at all.
"""

from __future__ import annotations

import json
import logging
import math
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import openml
import pandas as pd
import pytest
import requests
import urllib3

from metahpo import datasets
from metahpo.exceptions import ConfigError, DataError, KnowledgeBaseError
from metahpo.knowledge_base import KnowledgeBase
from metahpo.metafeatures import METAFEATURES
from metahpo.openml_runs import _config_from_parameters, _our_name, _outside_space, import_runs
from metahpo.openml_source import load_dataset, load_task
from metahpo.spaces import LIGHTGBM

DATA = Path(__file__).parent / "data" / "openml"
SERVER = "https://www.openml.org/api/v1/xml"


class RecordedServer:
    """Answers the recorded endpoints under ``tests/data/openml/api``; anything else fails as offline."""

    def __init__(self) -> None:
        self.endpoints: list[str] = []

    def request(self, method: str, url: str) -> requests.Response:
        endpoint = url.removeprefix(SERVER + "/")
        self.endpoints.append(endpoint)
        recorded = DATA / "api" / (endpoint.replace("/", "_") + ".xml")
        if method.lower() != "get" or not recorded.exists():
            raise requests.exceptions.ConnectionError(
                f"HTTPSConnectionPool(host='www.openml.org', port=443): Max retries exceeded with url: {endpoint}"
            )
        body = recorded.read_bytes()
        response = requests.Response()
        response.status_code = 412 if b"<oml:error" in body else 200  # OpenML reports API errors with 412
        response._content = body
        response.encoding = "utf-8"
        response.url = url
        response.headers["Content-Encoding"] = "gzip"  # as the server sends it; requests has decoded it
        return response


@pytest.fixture(autouse=True)
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RecordedServer:
    """Recorded responses instead of the network, default openml settings, an empty default cache."""
    recorded = RecordedServer()

    def no_minio(source: str, destination: object, **kwargs: object) -> None:
        raise urllib3.exceptions.MaxRetryError(None, source, "Failed to resolve 'data.openml.org'")

    def no_socket(*args: object) -> None:
        raise OSError("network access is disabled in tests")

    monkeypatch.setattr(requests.Session, "request", lambda self, method, url, **kw: recorded.request(method, url))
    monkeypatch.setattr(openml._api_calls, "_download_minio_file", no_minio)
    monkeypatch.setattr(socket.socket, "connect", no_socket)
    monkeypatch.setattr(openml.config, "server", SERVER)
    monkeypatch.setattr(openml.config, "apikey", "")
    monkeypatch.setattr(openml.config, "connection_n_retries", 1)
    monkeypatch.setattr(openml.config, "_root_cache_directory", tmp_path / "empty-cache")
    return recorded


TEN_FOLD = "10-fold Crossvalidation"


@pytest.fixture(autouse=True)
def tasks(monkeypatch: pytest.MonkeyPatch) -> dict[int, tuple[int, str, str]]:
    """OpenML's task listing (task id -> dataset id, estimation procedure, target), which a test may change.

    Mocked: the real listing also fetches the estimation procedures, and its shape matters less than its columns.
    """
    listed = {31: (31, TEN_FOLD, "class"), 168757: (31, TEN_FOLD, "class"), 37: (37, TEN_FOLD, "class"),
              29: (29, TEN_FOLD, "class"), 59: (61, TEN_FOLD, "class"), 4857: (531, TEN_FOLD, "MEDV"),
              4883: (560, TEN_FOLD, "class")}

    def list_tasks(task_id: list[int], output_format: str, **kwargs: object) -> pd.DataFrame:
        assert output_format == "dataframe" and kwargs == {"status": "all"}
        return pd.DataFrame([{"tid": tid, "did": listed[tid][0], "estimation_procedure": listed[tid][1],
                              "target_feature": listed[tid][2]} for tid in task_id if tid in listed])

    monkeypatch.setattr(openml.tasks, "list_tasks", list_tasks)
    return listed


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    """A writable copy of the recorded cache (openml adds pickles next to the files it reads)."""
    return Path(shutil.copytree(DATA / "cache", tmp_path / "openml-cache"))


def _root_cache() -> Path:
    return Path(openml.config.get_config_as_dict()["cachedir"])


# --------------------------------------------------------------------------- datasets


def test_load_dataset_from_the_cache_without_a_connection(cache: Path, server: RecordedServer, caplog) -> None:
    before = _root_cache()
    with caplog.at_level(logging.WARNING):
        ds = load_dataset(61, cache_dir=cache)
    assert not caplog.records  # openml's "Could not download ... .pq" (it reads the cached ARFF) is not shown
    assert (ds.n_rows, ds.n_features) == (150, 4)
    assert list(ds.X.columns) == ["sepallength", "sepalwidth", "petallength", "petalwidth"]
    assert ds.task == "multiclass"
    assert list(ds.classes) == ["Iris-setosa", "Iris-versicolor", "Iris-virginica"]
    assert (ds.name, ds.source, ds.categorical) == ("iris", "openml:61", ())
    assert server.endpoints == []  # served by the cache alone
    assert _root_cache() == before  # cache_dir applies to the call only


def test_nominal_attributes_are_categorical_and_row_id_and_ignored_attributes_dropped(cache: Path) -> None:
    ds = load_dataset(999001, cache_dir=cache)
    assert list(ds.X.columns) == ["A1", "A2", "A3", "A9", "A13"]  # not row_id, not the ignored A14
    assert ds.categorical == ("A1", "A9", "A13")
    assert ds.task == "binary"
    assert sorted(ds.y.unique()) == ["+", "-"]
    assert (int(ds.X["A1"].isna().sum()), int(ds.X["A2"].isna().sum())) == (2, 1)


def test_numeric_target_makes_a_regression_task_unless_told_otherwise(cache: Path) -> None:
    ds = load_dataset(999002, cache_dir=cache)
    assert ds.task == "regression"  # eight whole-number values, but a NUMERIC attribute on OpenML
    assert ds.y.dtype.kind == "f"
    assert ds.categorical == ("color",)
    assert load_dataset(999002, task="multiclass", cache_dir=cache).task == "multiclass"


def test_an_ignored_attribute_can_be_the_target(cache: Path) -> None:
    ds = load_dataset(999001, target="A14", cache_dir=cache)  # ignored as a feature, not as the target asked for
    assert ds.task == "regression" and "A14" not in ds.X.columns and "class" in ds.X.columns


SPARSE_CLASSES = ["neg", "pos", "pos", "neg", "pos", "pos", "neg", "pos", "pos", "neg", "pos", "pos"]


def test_a_sparse_dataset_with_nominal_attributes_reads_as_labels(cache: Path) -> None:
    ds = load_dataset(999004, cache_dir=cache)  # pandas 3 refuses openml 0.15's pd.factorize(list): read by metahpo
    assert ds.task == "binary" and ds.y.tolist() == SPARSE_CLASSES  # a left-out class is the first label
    assert list(ds.X.columns) == ["f1", "color", "f2"]  # without the row-id attribute
    assert ds.categorical == ("color",)
    # left out: the first label; "?": missing
    assert ds.X["color"].astype(object).where(ds.X["color"].notna(), None).tolist() == [
        "red", "green", None, "blue", "red", "green", "blue", "green", "red", "red", "blue", "green"]
    assert ds.X["f2"].tolist()[:10] == [0, 1, 2, 3, 0, 1, 2, 3, 0, 1] and np.isnan(ds.X["f2"].iloc[10])
    assert np.allclose(ds.X["f1"], np.arange(5, 17) / 10)


def test_a_sparse_dataset_reads_the_same_through_openml_under_pandas_2(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = load_dataset(999004, cache_dir=cache)
    factorize = pd.factorize  # as pandas 2 did: openml reads the nominal values as their numbers
    monkeypatch.setattr(pd, "factorize", lambda values, *a, **kw: factorize(np.asarray(values, dtype=object), *a, **kw))
    theirs = load_dataset(999004, cache_dir=cache)  # openml reads it, then metahpo again: the same labels
    pd.testing.assert_frame_equal(theirs.X, ours.X)
    pd.testing.assert_series_equal(theirs.y, ours.y)
    assert theirs.categorical == ours.categorical and theirs.task == ours.task


@pytest.mark.parametrize(("labels", "why"), [("{}", "lists no value"), ("{p,p}", "lists a value twice")])
def test_a_sparse_nominal_attribute_that_cannot_be_read_is_a_clear_error(cache: Path, labels: str, why: str) -> None:
    arff_file = next(cache.rglob("999004/dataset.arff"))
    text = arff_file.read_text().replace("@ATTRIBUTE color {red,green,blue}", f"@ATTRIBUTE color {labels}")
    arff_file.write_text("\n".join(line for line in text.splitlines() if " 2 " not in line) + "\n")  # no color given
    with pytest.raises(DataError, match=rf"^OpenML dataset 999004 \(metahpo-test-sparse\)'s nominal attribute color "
                       rf"{why} .*: its file cannot be read$"):
        load_dataset(999004, cache_dir=cache)


def test_a_sparse_dataset_with_a_text_attribute_is_a_clear_error(cache: Path) -> None:
    with pytest.raises(DataError, match=r"dataset 999005 \(metahpo-test-sparse-text\) is stored as sparse ARFF "
                       r"with a text attribute \(note\), which metahpo cannot read"):
        load_dataset(999005, cache_dir=cache)


def test_other_target_column(cache: Path) -> None:
    ds = load_dataset(999002, target="x1", cache_dir=cache)
    assert ds.task == "regression"
    assert "count" in ds.X.columns and "x1" not in ds.X.columns


def test_specs_load_through_the_configured_openml_cache(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openml.config, "_root_cache_directory", cache)
    ds = datasets.load("openml:999001")
    assert (ds.source, ds.name, ds.n_rows) == ("openml:999001", "metahpo-test-credit", 24)
    task = datasets.load("openml-task:59")
    assert (task.source, task.task, task.n_rows) == ("openml-task:59", "multiclass", 150)


def test_unknown_target_names_the_columns(cache: Path) -> None:
    message = r"target column 'species' not found in OpenML dataset 61 \(iris\); columns are sepallength"
    with pytest.raises(DataError, match=message):
        load_dataset(61, target="species", cache_dir=cache)


def test_dataset_without_default_target(cache: Path, server: RecordedServer) -> None:
    message = (r"dataset 999003 \(metahpo-test-nodefault\) has no default target; name its column: target='name' "
               r"\(--target NAME\)")
    with pytest.raises(DataError, match=message):
        load_dataset(999003, cache_dir=cache)
    assert server.endpoints == []  # refused before fetching any data


def test_offline_without_cached_files_is_a_clear_data_error(cache: Path, server: RecordedServer) -> None:
    before = _root_cache()
    with pytest.raises(DataError) as info:
        load_dataset(32, cache_dir=cache)
    message = str(info.value)
    assert message.startswith("cannot reach OpenML to fetch dataset 32 (offline?); ConnectionError")
    assert f"cached files are used when present at {cache / 'org/openml/www/datasets/32'}" in message
    assert info.value.__cause__ is None and info.value.__suppress_context__  # no traceback from inside openml
    assert server.endpoints == ["data/32"]
    assert _root_cache() == before


def test_offline_with_description_but_no_data_file(cache: Path, server: RecordedServer) -> None:
    with pytest.raises(DataError, match=r"^cannot reach OpenML to fetch dataset 999003 \(offline\?\)"):
        load_dataset(999003, target="y", cache_dir=cache)
    assert server.endpoints == ["https://api.openml.org/data/v1/download/999003/metahpo-test-nodefault.arff"]


def test_a_corrupt_cached_file_or_an_unusable_cache_is_a_clear_data_error(cache: Path, tmp_path: Path) -> None:
    arff_file = cache / "org/openml/www/datasets/999001/dataset.arff"
    arff_file.write_text(arff_file.read_text().replace("@DATA\n", "@DATA\n{broken,,\n", 1))
    with pytest.raises(DataError, match=r"^a cached file of dataset 999001 cannot be read \(.*\); remove it") as info:
        load_dataset(999001, cache_dir=cache)
    assert info.value.__cause__ is None and info.value.__suppress_context__
    (tmp_path / "a-file").write_text("")
    with pytest.raises(DataError, match="openml's cache cannot hold dataset 31 .*give it a folder it can write"):
        load_dataset(31, cache_dir=tmp_path / "a-file")
    task_file = cache / "org/openml/www/tasks/59/task.xml"  # openml writes it in place: a kill can cut it
    task_file.write_bytes(task_file.read_bytes()[: task_file.stat().st_size // 2])
    with pytest.raises(DataError, match=r"^a cached file of task 59 cannot be read \(no element found"):
        load_task(59, cache_dir=cache)


@pytest.mark.parametrize("damage", ["description without a name", "data not UTF-8"])
def test_a_cached_file_openml_cannot_parse_is_a_clear_data_error_naming_the_dataset(cache: Path, damage: str) -> None:
    folder = cache / "org/openml/www/datasets/61"
    if damage == "description without a name":
        path, old, new = folder / "description.xml", b"<oml:name>iris</oml:name>", b""
    else:
        path, old, new = folder / "dataset.arff", b"Iris-setosa", "Iris-s\xe9tosa".encode("latin-1")
    assert old in path.read_bytes()
    path.write_bytes(path.read_bytes().replace(old, new))
    with pytest.raises(DataError, match=r"^OpenML's description or data of dataset 61 cannot be read \((KeyError|"
                                        r"UnicodeDecodeError): ") as info:
        load_dataset(61, cache_dir=cache)
    assert info.value.__cause__ is None


@pytest.mark.parametrize("bad", [0, -1, 2.5, "31", True])
def test_ids_are_positive_whole_numbers(bad: object) -> None:
    with pytest.raises(DataError, match="the OpenML dataset id must be a positive whole number"):
        load_dataset(bad)
    with pytest.raises(DataError, match="the OpenML task id must be a positive whole number"):
        load_task(bad)


def test_numpy_integer_ids(cache: Path) -> None:
    assert load_dataset(np.int64(61), cache_dir=cache).n_rows == 150
    assert load_task(np.int32(59), cache_dir=cache).n_rows == 150


def test_a_damaged_cached_parquet_file_is_a_clear_data_error(cache: Path) -> None:
    (cache / "org/openml/www/datasets/61/dataset_61.pq").write_bytes(b"PAR1" + bytes(50))  # a download cut short
    with pytest.raises(DataError, match=r"^a cached file of dataset 61 cannot be read \(.*dataset_61\.pq: .*\); "
                       r"remove it to fetch it again") as info:
        load_dataset(61, cache_dir=cache)
    assert info.value.__suppress_context__


def test_unknown_dataset(cache: Path) -> None:
    with pytest.raises(DataError, match=r"^OpenML has no dataset 999999$"):
        load_dataset(999999, cache_dir=cache)


# --------------------------------------------------------------------------- tasks


def test_load_classification_task(cache: Path) -> None:
    ds = load_task(59, cache_dir=cache)
    assert (ds.name, ds.source, ds.task) == ("iris", "openml-task:59", "multiclass")
    assert (ds.n_rows, ds.n_features) == (150, 4)
    assert load_task(59, target="class", cache_dir=cache).n_rows == 150


def test_a_classification_task_on_a_numeric_target_is_classes(cache: Path) -> None:
    ds = load_task(999105, cache_dir=cache)  # dataset 999002, whose NUMERIC count is regressed as a dataset
    assert (ds.task, ds.n_features, sorted(ds.y.unique())) == ("multiclass", 3, list(range(8)))


def test_load_regression_task(cache: Path) -> None:
    ds = load_task(999102, cache_dir=cache)
    assert (ds.task, ds.source, ds.n_features) == ("regression", "openml-task:999102", 3)


def test_task_arguments_must_fit_the_task(cache: Path) -> None:
    with pytest.raises(DataError, match=r"task 999102 predicts 'count', not 'x1'; load openml:999002"):
        load_task(999102, target="x1", cache_dir=cache)
    with pytest.raises(DataError, match=r"task 999102 is a Supervised Regression task; task='binary' does not"):
        load_task(999102, task="binary", cache_dir=cache)


def test_unsupported_task_type_is_named(cache: Path) -> None:
    with pytest.raises(DataError, match=r"task 999103 is a Clustering task; metahpo supports supervised"):
        load_task(999103, cache_dir=cache)
    with pytest.raises(DataError, match=r"task 999104: Task type Survival Analysis not supported\. metahpo"):
        load_task(999104, cache_dir=cache)


def test_unknown_task(cache: Path) -> None:
    with pytest.raises(DataError, match=r"^OpenML has no task 999999$"):
        load_task(999999, cache_dir=cache)


def test_offline_task(cache: Path) -> None:
    with pytest.raises(DataError, match=r"^cannot reach OpenML to fetch task 3 \(offline\?\).*tasks/3$") as info:
        load_task(3, cache_dir=cache)
    assert info.value.__suppress_context__


# --------------------------------------------------------------------------- runs

TUNED = {  # setup 601 of flow 999201
    "learning_rate": 0.05, "num_leaves": 63, "min_child_samples": 10, "colsample_bytree": 0.8, "subsample": 0.7,
    "reg_alpha": 0.001, "reg_lambda": 1.0, "min_split_gain": 0.0, "n_estimators": 500,
}


def _runs(kb: KnowledgeBase, metric: str) -> dict[tuple[str, str], float]:
    """(dataset id, configuration as sorted JSON) -> score."""
    params = kb.configurations.set_index("config_id")["params"]
    return {
        (row.dataset_id, params[row.config_id]): getattr(row, f"score_{metric}")
        for row in kb.runs.itertuples(index=False)
    }


def _key(config: dict) -> str:
    return json.dumps(config, sort_keys=True)


def test_import_runs_of_a_scikit_learn_lightgbm_pipeline(server: RecordedServer) -> None:
    kb = import_runs(999201)
    assert sorted(kb.datasets["dataset_id"]) == ["openml-29", "openml-31", "openml-37"]  # iris: AUC not used
    assert set(kb.datasets["task"]) == {"binary"}
    row = kb.datasets.set_index("dataset_id").loc["openml-31"]
    assert (row["name"], row["source"], row["n_rows"], row["n_features"]) == ("credit-g", "openml:31", 1000, 20)

    default = dict(LIGHTGBM.default)  # setup 602 bagged with frequency 0, i.e. not at all: subsample 1
    assert sorted(kb.params(kb.configurations["config_id"]), key=_key) == sorted([TUNED, default], key=_key)
    assert set(kb.configurations["origin"]) == {"openml-flow-999201"}
    assert _runs(kb, "roc_auc") == pytest.approx({
        ("openml-31", _key(TUNED)): 0.80,  # runs on two tasks of one dataset: averaged
        ("openml-31", _key(default)): 0.77,
        ("openml-37", _key(TUNED)): 0.83,
        ("openml-29", _key(default)): 0.90,
    })
    assert set(kb.runs["status"]) == {"ok"} and set(kb.runs["cv"]) == {10.0}
    assert kb.provenance["openml_import"]["999201"] == {
        "flow_name": "sklearn.pipeline.Pipeline(simpleimputer=sklearn.impute._base.SimpleImputer,"
        "lgbmclassifier=lightgbm.sklearn.LGBMClassifier)",
        "metric": "area_under_roc_curve",
        "listed": 9,
        "imported": 5,
        "knowledge_base_runs": 4,
        # num_leaves=1 and boosting 'dart'; a dataset OpenML no longer lists; ROC AUC on multiclass iris
        "skipped": {"invalid_config": 2, "outside_space": 0, "dataset_unavailable": 1, "task_unavailable": 0,
                    "not_10_fold_cv": 0, "other_target": 0, "metric_not_for_task": 1, "no_score": 0},
    }
    assert server.endpoints == [
        "evaluation/list/function/area_under_roc_curve/limit/1000/offset/0/flow/999201",
        "user/list/user_id/1",
        "setup/list/setup/601,602,603,604/limit/1000/offset/0",
        "data/list/status/all/limit/10000/offset/0/data_id/29,31,37,61,999999",
        "data/29", "data/31", "data/37", "data/61",  # descriptions, for the default targets
    ]


def test_imported_datasets_carry_the_metafeatures_openml_qualities_determine() -> None:
    mf = import_runs(999201).metafeatures()
    assert list(mf.columns) == list(METAFEATURES)
    approval = mf.loc["openml-29"]  # 690 rows, 16 attributes with the target, 10 nominal with the target
    expected = {
        "n_rows": 690, "n_features": 15, "log_n_rows": math.log(690), "log_n_features": math.log(15),
        "log_rows_per_feature": math.log(690 / 15), "n_classes": 2, "target_imbalance": 307 / 383,
        "share_categorical": 9 / 15, "share_missing_cells": 67 / (690 * 15), "share_rows_with_missing": 37 / 690,
    }
    assert approval[list(expected)].to_dict() == pytest.approx(expected)
    assert approval.drop(list(expected)).isna().all()  # nothing guessed for the others


@pytest.mark.parametrize("quality, value", [("NumberOfInstances", math.inf), ("NumberOfFeatures", math.inf),
                                            ("NumberOfMissingValues", math.inf), ("NumberOfMissingValues", 1e300)])
def test_a_dataset_listed_with_no_count_is_a_clear_error_naming_it(quality: str, value: float) -> None:
    """inf rows raised a raw OverflowError; inf or huge missing values made a knowledge base that would not load."""
    from metahpo.openml_runs import _dataset_row

    listed = {"name": "credit-g", "did": 31, "NumberOfInstances": 1000, "NumberOfFeatures": 21, "NumberOfClasses": 2}
    message = f"OpenML lists dataset 31 with {quality} {value}, not a count"
    with pytest.raises(KnowledgeBaseError, match=re.escape(message)):
        _dataset_row({**listed, quality: value})


def test_import_regression_runs_maps_aliases_and_negates_errors() -> None:
    kb = import_runs(999201)
    kb = import_runs(999202, metric="root_mean_squared_error", knowledge_base=kb)
    tuned = {  # setup 701: num_iterations, eta, min_data_in_leaf, feature_fraction, bagging_*, lambda_l*, ...
        "learning_rate": 0.03, "num_leaves": 15, "min_child_samples": 5, "colsample_bytree": 0.6,
        "subsample": 0.9, "reg_alpha": 0.01, "reg_lambda": 2.5, "min_split_gain": 0.001, "n_estimators": 300,
    }
    eta_only = {**LIGHTGBM.default, "learning_rate": 0.2}  # setup 702: bagging_fraction without bagging_freq
    regression = kb.runs[kb.runs["dataset_id"].isin(["openml-531", "openml-560"])]
    assert len(regression) == 2
    scores = _runs(kb, "neg_root_mean_squared_error")  # RMSE 3.2 and 4.5 on OpenML
    assert scores[("openml-531", _key(tuned))] == pytest.approx(-3.2)
    assert scores[("openml-560", _key(eta_only))] == pytest.approx(-4.5)
    datasets_ = kb.datasets.set_index("dataset_id")
    assert list(datasets_.loc[["openml-531", "openml-560"], "task"]) == ["regression", "regression"]
    boston = kb.metafeatures().loc["openml-531"]
    assert math.isnan(boston["n_classes"]) and math.isnan(boston["target_imbalance"])
    assert boston["share_categorical"] == pytest.approx(2 / 13)
    imports = kb.provenance["openml_import"]
    assert sorted(imports) == ["999201", "999202"]  # both imports kept
    assert imports["999202"]["skipped"]["invalid_config"] == 1  # eta and learning_rate disagree
    assert imports["999202"]["imported"] == 2
    assert len(kb.datasets) == 5


@pytest.mark.parametrize(
    ("full_name", "ours"),
    [
        ("lightgbm.sklearn.LGBMClassifier(1)_min_child_samples", "min_child_samples"),
        ("mlr.classif.lightgbm(1)_feature_fraction", "colsample_bytree"),
        ("mlr.classif.lightgbm(1)_lambda_l2", "reg_lambda"),
        ("mlr.classif.lightgbm(1)_min_data", "min_child_samples"),  # LightGBM's native aliases
        ("mlr.classif.lightgbm(1)_bagging", "subsample"),
        ("mlr.classif.lightgbm(1)_boost", "boosting_type"),
        ("mlr.classif.lightgbm(1)_pos_bagging_fraction", None),  # another parameter, not bagging_fraction
        ("mlr.classif.lightgbm(1)_neg_bagging_fraction", None),
        ("lightgbm.sklearn.LGBMRegressor(1)_subsample_for_bin", None),
        ("lightgbm.sklearn.LGBMRegressor(1)_min_child_weight", None),
        ("sklearn.preprocessing._data.QuantileTransformer(1)_subsample", None),  # another step's
        ("sklearn.impute.IterativeImputer(1)_max_iter", None),  # another step's, though LightGBM takes the name
        ("sklearn.tree.DecisionTreeClassifier(1)_min_samples_leaf", None),
        ("sklearn.pipeline.Pipeline(lgbmclassifier=lightgbm.sklearn.LGBMClassifier)(1)_verbose", None),
        ("lgbmclassifier__learning_rate", None),  # not an OpenML name
    ],
)
def test_parameter_names_match_lightgbm_components_exactly(full_name: str, ours: str | None) -> None:
    assert _our_name(full_name) == ours


def test_parameters_of_other_steps_and_native_aliases() -> None:
    lgbm = "lightgbm.sklearn.LGBMClassifier(1)_"
    config = _config_from_parameters({
        "sklearn.preprocessing._data.QuantileTransformer(1)_subsample": "10000",  # not LightGBM's subsample
        lgbm + "subsample": "0.7", lgbm + "subsample_freq": "1", lgbm + "learning_rate": "0.05",
    })
    assert (config["subsample"], config["learning_rate"]) == (0.7, 0.05)
    mlr = "mlr.classif.lightgbm(1)_"
    config = _config_from_parameters({mlr + "min_data": "50", mlr + "bagging": "0.7", mlr + "bagging_freq": "1",
                                      mlr + "pos_bagging_fraction": "1"})
    assert (config["min_child_samples"], config["subsample"]) == (50, 0.7)
    with pytest.raises(ConfigError, match="boosting type 'dart' is outside the search space"):
        _config_from_parameters({mlr + "boost": '"dart"', mlr + "learning_rate": "0.05"})


@pytest.mark.parametrize(
    ("settings", "task", "outside"),
    [
        ({"max_depth": "-1", "subsample_for_bin": "200000", "min_child_weight": "0.001"}, "binary", None),  # defaults
        ({"max_depth": "6"}, "binary", "max_depth=6"),
        ({"min_child_weight": "1e-05"}, "binary", "min_child_weight=1e-05"),
        ({"class_weight": "null", "objective": "null"}, "binary", None),
        ({"class_weight": '"balanced"'}, "binary", 'class_weight="balanced"'),
        ({"n_jobs": "4", "random_state": "3", "verbose": "-1", "importance_type": '"gain"'}, "binary", None),
        ({"objective": '"regression"', "monotone_constraints": "[]"}, "regression", None),
        ({"objective": '"huber"'}, "regression", 'objective="huber"'),
        ({"objective": '"multiclassova"'}, "multiclass", 'objective="multiclassova"'),
        ({"is_unbalance": "false", "pos_bagging_fraction": "1"}, "binary", None),
        ({"is_unbalance": "true"}, "binary", "is_unbalance=true"),
        ({"pos_bagging_fraction": "0.5"}, "binary", "pos_bagging_fraction=0.5"),
        ({"data_sample_strategy": '"goss"'}, "binary", 'data_sample_strategy="goss"'),
        ({"early_stopping_round": "50"}, "binary", "early_stopping_round=50"),
        ({"is_unbalance": "FALSE", "boost_from_average": "TRUE"}, "binary", None),  # R's booleans
        ({"scale_pos_weight": "2", "alpha": "0.5"}, "regression", None),  # read by other objectives only
        ({"scale_pos_weight": "2"}, "binary", "scale_pos_weight=2"),
        ({"monotone_constraints": "[0, 0, 0]"}, "binary", None),  # no constraint
        ({"monotone_constraints": "[0, 1, 0]"}, "binary", "monotone_constraints=[0, 1, 0]"),
        ({"subsample_for_bin": "500"}, "binary", "subsample_for_bin=500"),  # fewer than the 1,000 rows
        ({"subsample_for_bin": "50000"}, "binary", None),  # more: every row, as the default
        ({"subsample": "0.5", "subsample_freq": "5"}, "binary", "subsample_freq=5"),  # bagging every fifth round
        ({"subsample": "1.0", "subsample_freq": "5"}, "binary", None),  # no bagging at all, as the space's 1.0
        ({"bagging_fraction": "0.5", "bagging_freq": "1"}, "binary", None),  # every round, as the space bags
    ],
)
def test_settings_outside_the_space_are_found_unless_at_lightgbms_defaults(settings: dict, task: str,
                                                                           outside: str | None) -> None:
    lgbm = "lightgbm.sklearn.LGBMClassifier(1)_"
    parameters = {lgbm + name: text for name, text in settings.items()}
    parameters["sklearn.impute._base.IterativeImputer(1)_max_iter"] = "3"  # another step's: never LightGBM's
    parameters[lgbm + "num_leaves"] = "63"  # in the space: read, not compared
    assert _outside_space(parameters, task, 1000) == outside


def test_import_skips_runs_whose_model_no_configuration_rebuilds(monkeypatch: pytest.MonkeyPatch) -> None:
    from metahpo import openml_runs

    lgbm = "lightgbm.sklearn.LGBMClassifier(1)_"
    setups = [{lgbm + "num_leaves": "63", lgbm + "max_depth": "-1"},  # LightGBM's default depth: imported
              {lgbm + "num_leaves": "63", lgbm + "max_depth": "5"},  # a model the space cannot rebuild
              {lgbm + "num_leaves": "15", lgbm + "scale_pos_weight": "3.0"}]
    runs = pd.DataFrame({"run_id": [1, 2, 3], "task_id": [31] * 3, "data_id": [31] * 3, "value": [0.8, 0.9, 0.7],
                         "flow_name": ["lightgbm.sklearn.LGBMClassifier"] * 3, "parameters": setups})
    monkeypatch.setattr(openml_runs, "_list_runs", lambda *args: runs)
    listed = {"name": "credit-g", "did": 31, "NumberOfInstances": 1000, "NumberOfFeatures": 21, "NumberOfClasses": 2}
    monkeypatch.setattr(openml_runs, "_list_datasets", lambda ids: {31: openml_runs._dataset_row(listed)})
    monkeypatch.setattr(openml_runs, "_list_tasks", lambda ids: {31: (31, TEN_FOLD, "class")})
    monkeypatch.setattr(openml_runs, "_default_targets", lambda ids: {31: "class"})
    kb = import_runs(5)
    assert _runs(kb, "roc_auc") == pytest.approx({("openml-31", _key({**LIGHTGBM.default, "num_leaves": 63})): 0.8})
    assert kb.provenance["openml_import"]["5"]["skipped"]["outside_space"] == 2


def test_import_refuses_a_hyperparameter_search_flow(monkeypatch: pytest.MonkeyPatch) -> None:
    lgbm = "lightgbm.sklearn.LGBMClassifier(1)_"
    search = "sklearn.model_selection._search.RandomizedSearchCV(1)_"
    parameters = {search + "param_distributions": '{"num_leaves": [15, 63]}', lgbm + "num_leaves": "31"}
    for flow_name in ("sklearn.model_selection._search.RandomizedSearchCV(estimator=lightgbm.sklearn.LGBMClassifier)",
                      "my.tuner(estimator=lightgbm.sklearn.LGBMClassifier)"):  # known by its name, or its parameters
        runs = pd.DataFrame({"run_id": [1], "task_id": [31], "flow_name": [flow_name], "data_id": [31],
                             "value": [0.8], "parameters": [parameters]})
        monkeypatch.setattr(openml.evaluations, "list_evaluations_setups", lambda **kwargs: runs)
        with pytest.raises(ConfigError, match=r"flow 5 \(.*\) searches LightGBM's hyperparameters: its setups list "
                           r"the search's starting values"):
            import_runs(5)


def test_only_runs_of_ten_fold_cv_tasks_on_the_default_target_are_imported(tasks: dict) -> None:
    tasks[168757] = (31, "33% Holdout set", "class")
    tasks[37] = (37, TEN_FOLD, "plas")  # another target of diabetes
    del tasks[29]
    kb = import_runs(999201)
    assert _runs(kb, "roc_auc") == pytest.approx({("openml-31", _key(TUNED)): 0.79,  # not averaged with 0.81
                                                  ("openml-31", _key(LIGHTGBM.default)): 0.77})
    assert kb.provenance["openml_import"]["999201"]["skipped"] == {
        "invalid_config": 0, "outside_space": 0, "dataset_unavailable": 1, "task_unavailable": 2, "not_10_fold_cv": 1,
        "other_target": 2, "metric_not_for_task": 1, "no_score": 0,
    }


def test_importing_another_metric_keeps_the_first_ones_scores() -> None:
    kb = import_runs(999201, metric="predictive_accuracy", knowledge_base=import_runs(999201))
    assert _runs(kb, "roc_auc") == pytest.approx({
        ("openml-31", _key(TUNED)): 0.80, ("openml-31", _key(LIGHTGBM.default)): 0.77,
        ("openml-37", _key(TUNED)): 0.83, ("openml-29", _key(LIGHTGBM.default)): 0.90,
        ("openml-61", _key(TUNED)): math.nan,  # accuracy only: ROC AUC is not used for multiclass iris
    }, nan_ok=True)
    assert _runs(kb, "accuracy")[("openml-31", _key(TUNED))] == pytest.approx(0.70)


def test_cli_imports_of_two_metrics_into_one_folder_keep_both(tmp_path: Path, capsys) -> None:
    from metahpo.cli import main

    for metric in ("area_under_roc_curve", "predictive_accuracy"):
        assert main(["kb", "import-openml", "--flow", "999201", "--metric", metric, "--out", str(tmp_path)]) == 0
    assert _runs(KnowledgeBase.load(tmp_path), "roc_auc")[("openml-31", _key(TUNED))] == pytest.approx(0.80)


def test_import_refuses_flows_that_are_not_lightgbm_or_have_no_runs() -> None:
    with pytest.raises(KnowledgeBaseError, match=r"flow 999203 \(sklearn\.ensemble\._forest\.RandomForestClassifier\) "
                       r"is not a LightGBM flow"):
        import_runs(999203)
    with pytest.raises(KnowledgeBaseError, match=r"OpenML lists no runs of flow 999204 evaluated with area_under"):
        import_runs(999204)
    with pytest.raises(ConfigError, match=r"cannot import OpenML metric 'f_measure'; choose from area_under"):
        import_runs(999201, metric="f_measure")


def test_import_offline_is_a_clear_error(server: RecordedServer) -> None:
    message = r"^cannot reach OpenML to fetch the runs of flow 5 \(offline\?\); ConnectionError; run listings"
    with pytest.raises(KnowledgeBaseError, match=message) as info:
        import_runs(5)
    assert info.value.__suppress_context__
    assert server.endpoints == ["evaluation/list/function/area_under_roc_curve/limit/1000/offset/0/flow/5"]


def test_imported_knowledge_base_round_trips_through_disk(tmp_path: Path) -> None:
    kb = import_runs(999201)
    loaded = KnowledgeBase.load(kb.save(tmp_path / "kb"))
    scores = loaded.matrix("roc_auc").stack().dropna().sort_values()
    assert scores.tolist() == pytest.approx([0.77, 0.80, 0.83, 0.90])
    assert loaded.provenance["openml_import"]["999201"]["imported"] == 5


def test_cli_import_prints_this_imports_counts_into_a_folder_that_has_some(tmp_path: Path, capsys) -> None:
    from metahpo.cli import main

    for flow in (999201, 999202):  # the second into a folder whose manifest holds the first's counts
        assert main(["kb", "import-openml", "--flow", str(flow), "--out", str(tmp_path / "kb")]
                    + (["--metric", "root_mean_squared_error"] if flow == 999202 else [])) == 0
        printed = json.loads(capsys.readouterr().out)
        assert list(printed["openml_import"]) == [str(flow)] and printed["openml_import"][str(flow)]["imported"] > 0
    (tmp_path / "file").write_text("")
    KnowledgeBase.empty("linear").save(tmp_path / "linear")
    for out, message in (("file", "is a file: it names a knowledge-base folder"),
                         ("linear", "holds a linear knowledge base: LightGBM runs go to another folder")):
        assert main(["kb", "import-openml", "--flow", "1", "--out", str(tmp_path / out)]) == 2  # before any download
        assert message in capsys.readouterr().err


def test_openml_data_reaches_no_knowledge_base():
    """Data flows one way: loading an OpenML dataset imports nothing of the knowledge base's layer."""
    code = "import sys, metahpo.openml_source; print(*sorted(m for m in sys.modules if m.startswith('metahpo')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert "metahpo.openml_source" in loaded
    assert not {"metahpo.knowledge_base", "metahpo.metafeatures", "metahpo.openml_runs"} & set(loaded)
