"""Past LightGBM runs on OpenML, imported into a knowledge base.

:func:`import_runs` turns the runs a LightGBM flow has on OpenML into knowledge-base rows: the
datasets (with the meta-features OpenML's qualities determine), the configurations and their
scores. It needs a connection (OpenML does not cache run listings); what cannot be fetched raises
a one-line :class:`~metahpo.exceptions.KnowledgeBaseError` that says why.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import openml
import pandas as pd

from metahpo.evaluation import METRICS, Evaluation
from metahpo.exceptions import ConfigError, KnowledgeBaseError
from metahpo.families.lightgbm import canonical_names, library_defaults, parameter_names
from metahpo.knowledge_base import ALL_METRICS, HUGE, KnowledgeBase
from metahpo.metafeatures import METAFEATURES
from metahpo.openml_source import cache_root, openml_errors
from metahpo.spaces import LIGHTGBM, Config, config_id

logger = logging.getLogger(__name__)

OPENML_METRICS: dict[str, tuple[str, float]] = {
    "area_under_roc_curve": ("roc_auc", 1.0),
    "predictive_accuracy": ("accuracy", 1.0),
    "root_mean_squared_error": ("neg_root_mean_squared_error", -1.0),
    "mean_absolute_error": ("neg_mean_absolute_error", -1.0),
}
"""OpenML evaluation measure -> (metahpo metric, sign that makes greater better)."""

_READ = frozenset({*LIGHTGBM.names, "n_estimators", "subsample_freq", "boosting_type"})
"""The LightGBM parameters a run's configuration is read from. ``subsample_freq`` and
``boosting_type`` are not searched by metahpo but decide how a run is read: LightGBM bags only with
a positive frequency, and only plain gradient boosting fits the space."""
_COMPONENT = re.compile(r"(?P<flow>.+)\(\d+\)_(?P<name>.+)")
"""An OpenML parameter's full name: its component flow, the flow's version, the parameter's name."""
_SEARCH = re.compile(r"SearchCV", re.IGNORECASE)
"""Flow names of hyperparameter searches: scikit-learn's ``GridSearchCV``, ``RandomizedSearchCV``,
``Halving*SearchCV``, scikit-optimize's ``BayesSearchCV``."""
_SEARCH_PARAMETERS = frozenset({"param_distributions", "param_grid", "search_spaces"})
"""Parameters that give a search's space, whatever its flow's name."""

_SEARCH_SPACE_BOOSTING = ("gbdt", "gbrt")
_INTEGER_PARAMS = frozenset({p.name for p in LIGHTGBM.params if p.integer} | {"n_estimators"})
_LIST_CHUNK = 100
"""Dataset ids per listing request (a longer URL may exceed the server's limit)."""

_CV_FOLDS = 10
"""Folds recorded for imported runs: only runs of OpenML tasks estimated by 10-fold CV are imported."""
_TEN_FOLD_CV = "10-fold Crossvalidation"
"""OpenML's name of that estimation procedure."""
_NO_EFFECT = ("num_threads", "verbosity", "seed", "bagging_seed", "feature_fraction_seed", "extra_seed", "drop_seed",
              "data_random_seed", "objective_seed", "deterministic", "force_col_wise", "force_row_wise",
              "histogram_pool_size", "device_type", "gpu_platform_id", "gpu_device_id", "gpu_use_dp", "num_gpu",
              "tree_learner", "num_machines", "local_listen_port", "time_out", "machine_list_filename", "machines",
              "metric", "num_class", "is_enable_sparse", "precise_float_parser", "saved_feature_importance_type",
              "importance_type")
"""LightGBM parameters (main names) that do not change the model a run trained: threads, seeds
(a configuration keeps none), messages, devices, the metric (without early stopping), the number
of classes (the data's)."""
_OTHER_OBJECTIVES = ("alpha", "fair_c", "poisson_max_delta_step", "tweedie_variance_power",
                     "lambdarank_truncation_level", "lambdarank_norm", "label_gain",
                     "lambdarank_position_bias_regularization", "eval_at", "multi_error_top_k", "auc_mu_weights")
"""LightGBM parameters (main names) of objectives and metrics metahpo never trains with (Huber, quantile,
fair, Poisson, Tweedie, ranking): the model of a task's own objective does not read them."""
_TASK_ONLY = {"is_unbalance": "binary", "scale_pos_weight": "binary", "sigmoid": "binary", "reg_sqrt": "regression"}
"""LightGBM parameters (main names) only one task's objective reads."""
_TASK_OBJECTIVES = {
    "binary": ("binary",),
    "multiclass": ("multiclass", "softmax"),
    "regression": ("regression", "regression_l2", "l2", "mean_squared_error", "mse", "l2_root",
                   "root_mean_squared_error", "rmse"),
}
"""The objectives metahpo trains each task with, under LightGBM's names for them."""
_SKIPS = ("invalid_config", "outside_space", "dataset_unavailable", "task_unavailable", "not_10_fold_cv",
          "other_target", "metric_not_for_task", "no_score")


def import_runs(
    flow_id: int,
    *,
    metric: str = "area_under_roc_curve",
    knowledge_base: KnowledgeBase | None = None,
    limit: int = 1000,
    cache_dir: str | os.PathLike | None = None,
) -> KnowledgeBase:
    """Import the OpenML runs of a LightGBM flow into a knowledge base.

    Each run's setup is read as a metahpo LightGBM configuration: of the parameters of the flow's
    LightGBM component (``lightgbm.sklearn.LGBMClassifier(1)_eta``, ``mlr.classif.lightgbm(1)_...``),
    those of the search space are matched by name or LightGBM alias (``eta``, ``feature_fraction``,
    ``min_data``, ...), values are parsed as JSON, and parameters the setup does not list take
    ``LIGHTGBM.default``. A run bagged with frequency 0 (LightGBM's default) ran without bagging and
    is recorded with ``subsample=1``. A run that sets another parameter of the LightGBM component
    to other than LightGBM's default (``max_depth=6``, ``pos_bagging_fraction=0.5``,
    ``class_weight="balanced"``, an objective not the task's, ...) is skipped: no configuration of
    the space rebuilds the model it scored. Settings that do not change the model (threads, seeds,
    verbosity) and other steps' parameters are ignored. Several runs of one configuration on one
    dataset are averaged. A run the knowledge base holds of the same dataset, configuration and
    cross-validation keeps its scores on other metrics.

    Only runs of tasks OpenML estimates by 10-fold cross-validation on the dataset's default target
    are imported (the dataset's listed qualities describe that target). Skipped, and counted by
    reason: runs whose configuration is invalid (values out of range, not plain gradient boosting,
    two values for one parameter, no parameters listed), runs with a setting outside the space (as
    above), runs on datasets OpenML does not list (or lists without their size), runs of tasks it
    does not list, of other estimation procedures or of other targets, runs whose metric metahpo does not use for the dataset's task (e.g. ROC AUC on a
    multiclass dataset), and runs without a score.

    Parameters
    ----------
    flow_id : int
        The OpenML flow id of a LightGBM model or of a pipeline ending in one.
    metric : str
        The OpenML evaluation measure to import; one of :data:`OPENML_METRICS`. Error measures are
        negated, so that greater is better as in metahpo.
    knowledge_base : KnowledgeBase, optional
        Where to add the datasets, configurations and runs (in place). Default: a new, empty one.
    limit : int
        The most runs to list.
    cache_dir : str or path, optional
        The openml package's root cache directory for the duration of the import (OpenML does not
        cache run listings, so importing needs a connection).

    Returns
    -------
    KnowledgeBase
        With datasets ``openml-ID`` (task from the number of classes; the meta-features OpenML's
        dataset qualities determine, the others NaN), configurations of origin ``openml-flow-ID``
        and their runs. ``provenance["openml_import"][str(flow_id)]`` holds the counts: runs
        listed, imported, written to the knowledge base, and skipped per reason.

    Raises
    ------
    ConfigError
        For an unknown metric, a ``limit`` below 1, or a flow that searches LightGBM's
        hyperparameters (``RandomizedSearchCV``, ...): its setups list the search's starting
        values, not the configurations its runs were scored with.
    KnowledgeBaseError
        For a knowledge base of another model family, a flow without runs or not of LightGBM, or
        when OpenML cannot be reached.
    """
    if metric not in OPENML_METRICS:
        raise ConfigError(f"cannot import OpenML metric {metric!r}; choose from {', '.join(OPENML_METRICS)}")
    if limit < 1:
        raise ConfigError(f"limit must be at least 1, got {limit}")
    kb = KnowledgeBase.empty() if knowledge_base is None else knowledge_base
    if kb.family != LIGHTGBM.family:
        raise KnowledgeBaseError(
            f"OpenML runs are imported as LightGBM configurations, not into a {kb.family} knowledge base"
        )
    ours, sign = OPENML_METRICS[metric]
    with cache_root(cache_dir):
        runs = _list_runs(flow_id, metric, limit)
        datasets = _list_datasets(sorted(int(d) for d in runs["data_id"].unique()))
        tasks = _list_tasks(sorted(int(t) for t in runs["task_id"].unique()))
        targets = _default_targets(sorted({did for did, procedure, _ in tasks.values()
                                           if did in datasets and procedure == _TEN_FOLD_CV}))

    skipped = dict.fromkeys(_SKIPS, 0)
    configs: dict[str, Config] = {}
    scores: dict[tuple[int, str], list[float]] = {}
    for data_id, task_id, value, parameters in zip(runs["data_id"], runs["task_id"], runs["value"],
                                                   runs["parameters"]):
        dataset = datasets.get(int(data_id))
        skip = "dataset_unavailable" if dataset is None else _task_skip(tasks.get(int(task_id)), targets)
        if skip is None and ours not in METRICS[dataset["task"]]:
            skip = "metric_not_for_task"
        if skip is None and pd.isna(value):
            skip = "no_score"
        if skip is None:
            try:
                config = _config_from_parameters(parameters)
            except ConfigError as exc:
                logger.debug("skipping a run of flow %s on dataset %s: %s", flow_id, data_id, exc)
                skip = "invalid_config"
        if skip is None and (setting := _outside_space(parameters, dataset["task"], dataset["n_rows"])) is not None:
            logger.debug("skipping a run of flow %s on dataset %s: it sets %s", flow_id, data_id, setting)
            skip = "outside_space"
        if skip is not None:
            skipped[skip] += 1
            continue
        cid = config_id(config)
        configs[cid] = config
        scores.setdefault((int(data_id), cid), []).append(sign * float(value))

    earlier = _other_metrics(kb, ours)
    for data_id in sorted({data_id for data_id, _ in scores}):
        kb.add_dataset(f"openml-{data_id}", **datasets[data_id])
    for (data_id, cid), values in scores.items():
        held_scores, held_folds = earlier.get((f"openml-{data_id}", cid), ({}, {}))
        evaluation = Evaluation(
            config=configs[cid],
            metric=ours,
            scores={**held_scores, ours: float(np.mean(values))},
            fold_scores=held_folds,
            best_iteration=configs[cid]["n_estimators"],
            status="ok",
        )
        kb.add_evaluation(f"openml-{data_id}", evaluation, cv=_CV_FOLDS, origin=f"openml-flow-{flow_id}")

    counts = {
        "flow_name": str(runs["flow_name"].iloc[0]),
        "metric": metric,
        "listed": len(runs),
        "imported": sum(len(v) for v in scores.values()),
        "knowledge_base_runs": len(scores),
        "skipped": skipped,
    }
    provenance = kb.provenance if kb.provenance is not None else {}
    provenance.setdefault("openml_import", {})[str(flow_id)] = counts
    kb.provenance = provenance
    logger.info(
        "imported %d of %d OpenML runs of flow %s (%d knowledge-base runs); skipped %s",
        counts["imported"], counts["listed"], flow_id, counts["knowledge_base_runs"], skipped,
    )
    return kb


def _task_skip(task: tuple[int, str, str] | None, targets: Mapping[int, str]) -> str | None:
    """Why a run of ``task`` (dataset, estimation procedure, target) is skipped, or None."""
    if task is None:
        return "task_unavailable"
    data_id, procedure, target = task
    if procedure != _TEN_FOLD_CV:
        return "not_10_fold_cv"
    return None if targets.get(data_id) == target else "other_target"


def _other_metrics(kb: KnowledgeBase, metric: str) -> dict[tuple[str, str], tuple[dict, dict]]:
    """(dataset, configuration) -> the scores and fold scores on metrics other than ``metric`` that
    ``kb``'s run of them by 10-fold cross-validation holds: importing another metric adds to them."""
    runs = kb.runs[kb.runs["cv"].eq(_CV_FOLDS) & kb.runs["dataset_id"].str.startswith("openml-")]
    held = {}
    for row in runs.to_dict("records"):
        others = [m for m in ALL_METRICS if m != metric and pd.notna(row[f"score_{m}"])]
        if others:
            held[row["dataset_id"], row["config_id"]] = (
                {m: float(row[f"score_{m}"]) for m in others},
                {m: json.loads(row[f"folds_{m}"]) for m in others if row[f"folds_{m}"]},
            )
    return held


def _list_runs(flow_id: int, metric: str, limit: int) -> pd.DataFrame:
    """The evaluations of ``flow_id`` with their setups' parameters (a dict per run)."""
    no_cache = "run listings are not cached, so importing needs a connection"
    with openml_errors(f"the runs of flow {flow_id}", KnowledgeBaseError, no_cache):
        # Parameters stay one dict per run: spread into columns, an empty listing breaks openml 0.15.
        runs = openml.evaluations.list_evaluations_setups(
            function=metric, flows=[flow_id], size=limit, output_format="dataframe"
        )
    if runs.empty:
        raise KnowledgeBaseError(f"OpenML lists no runs of flow {flow_id} evaluated with {metric}")
    flow_name = str(runs["flow_name"].iloc[0])
    if "lightgbm" not in flow_name.lower() and "lgbm" not in flow_name.lower():
        raise KnowledgeBaseError(f"flow {flow_id} ({flow_name}) is not a LightGBM flow")
    searched = {match["name"] for parameters in runs["parameters"] if isinstance(parameters, Mapping)
                for match in map(_COMPONENT.fullmatch, parameters) if match} & _SEARCH_PARAMETERS
    if _SEARCH.search(flow_name) or searched:
        raise ConfigError(
            f"flow {flow_id} ({flow_name}) searches LightGBM's hyperparameters: its setups list the search's starting "
            f"values, not the configuration each run was scored with; import a flow that fits fixed parameters"
        )
    return runs


def _list_tasks(task_ids: list[int]) -> dict[int, tuple[int, str, str]]:
    """Task id -> (dataset id, estimation procedure, target) of the tasks OpenML lists."""
    with openml_errors("the tasks of the runs", KnowledgeBaseError, "task listings are not cached"):
        listings = [
            openml.tasks.list_tasks(task_id=task_ids[start : start + _LIST_CHUNK], status="all",
                                    output_format="dataframe")
            for start in range(0, len(task_ids), _LIST_CHUNK)
        ]
    return {
        int(task["tid"]): (int(task["did"]), str(task.get("estimation_procedure")), str(task.get("target_feature")))
        for listing in listings for task in listing.to_dict("records")
    }


def _default_targets(dataset_ids: list[int]) -> dict[int, str]:
    """Dataset id -> default target attribute (from the dataset's description, which openml caches)."""
    targets = {}
    for data_id in dataset_ids:
        with openml_errors(f"dataset {data_id}", KnowledgeBaseError, "descriptions are cached once fetched"):
            targets[data_id] = str(openml.datasets.get_dataset(data_id).default_target_attribute)
    return targets


def _list_datasets(dataset_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The :meth:`KnowledgeBase.add_dataset` arguments of the datasets OpenML lists with their size."""
    with openml_errors("the datasets of the runs", KnowledgeBaseError, "dataset listings are not cached"):
        listings = [
            openml.datasets.list_datasets(
                data_id=dataset_ids[start : start + _LIST_CHUNK], status="all", output_format="dataframe"
            )
            for start in range(0, len(dataset_ids), _LIST_CHUNK)
        ]
    datasets = {}
    for qualities in pd.concat(listings).to_dict("records"):
        row = _dataset_row(qualities)
        if row is not None:
            datasets[int(qualities["did"])] = row
    return datasets


def _dataset_row(qualities: Mapping[str, Any]) -> dict[str, Any] | None:
    """The knowledge-base row of a dataset listing, or None if its size or task is unknown."""
    n_rows = _quality(qualities, "NumberOfInstances")
    n_attributes = _quality(qualities, "NumberOfFeatures")  # the target included
    task = _task_from_classes(_quality(qualities, "NumberOfClasses"))
    if task is None or not n_rows >= 1 or not n_attributes >= 2:  # NaN fails both tests
        return None
    n_rows, n_features = int(n_rows), int(n_attributes) - 1
    return {
        "name": str(qualities["name"]),
        "task": task,
        "n_rows": n_rows,
        "n_features": n_features,
        "metafeatures": _metafeatures(qualities, task, n_rows, n_features),
        "source": f"openml:{int(qualities['did'])}",
    }


def _task_from_classes(n_classes: float) -> str | None:
    """OpenML lists 0 classes (or none) for a numeric target; None for a degenerate single class."""
    if math.isnan(n_classes) or n_classes == 0:
        return "regression"
    if n_classes == 2:
        return "binary"
    return "multiclass" if n_classes > 2 else None


def _metafeatures(qualities: Mapping[str, Any], task: str, n_rows: int, n_features: int) -> dict[str, float]:
    """metahpo's meta-features that OpenML's listed qualities determine; NaN for all others."""
    classification = task != "regression"
    nominal_target = 1 if classification else 0  # OpenML counts the target among the nominal attributes
    known = {
        "n_rows": n_rows,
        "n_features": n_features,
        "log_n_rows": math.log(n_rows),
        "log_n_features": math.log(n_features),
        "log_rows_per_feature": math.log(n_rows / n_features),
        "n_classes": _quality(qualities, "NumberOfClasses") if classification else math.nan,
        "target_imbalance": (
            _ratio(_quality(qualities, "MinorityClassSize"), _quality(qualities, "MajorityClassSize"))
            if classification
            else math.nan
        ),
        "share_categorical": (_quality(qualities, "NumberOfSymbolicFeatures") - nominal_target) / n_features,
        "share_missing_cells": _quality(qualities, "NumberOfMissingValues") / (n_rows * n_features),
        "share_rows_with_missing": _quality(qualities, "NumberOfInstancesWithMissingValues") / n_rows,
    }
    return {name: float(known.get(name, math.nan)) for name in METAFEATURES}


def _quality(qualities: Mapping[str, Any], name: str) -> float:
    """A count a dataset listing gives (NaN if none); a :class:`KnowledgeBaseError` naming the dataset if it is
    no number a knowledge base holds (inf, or larger than any count: its meta-features would not load)."""
    value = qualities.get(name)
    if value is None or pd.isna(value):
        return math.nan
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        number = math.inf
    if not abs(number) <= HUGE:
        raise KnowledgeBaseError(f"OpenML lists dataset {qualities.get('did')} with {name} {str(value)[:40]}, "
                                 f"not a count")
    return number


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def _config_from_parameters(parameters: Any) -> Config:
    """The metahpo LightGBM configuration of a setup's ``{OpenML name: value text}``.

    Raises
    ------
    ConfigError
        If the setup lists no parameters, gives one parameter two values, is not plain gradient
        boosting, or its configuration fails validation.
    """
    if not isinstance(parameters, Mapping) or not parameters:
        raise ConfigError("the setup lists no parameters")
    found: dict[str, Any] = {}
    for full_name, text in parameters.items():
        name, value = _our_name(full_name), _parse_value(text)
        if name is None or value is None:
            continue
        if found.setdefault(name, value) != value:
            raise ConfigError(f"two values for {name}: {found[name]!r} and {value!r}")
    boosting = found.pop("boosting_type", "gbdt")
    if boosting not in _SEARCH_SPACE_BOOSTING:
        raise ConfigError(f"boosting type {boosting!r} is outside the search space")
    if found.pop("subsample_freq", 0) == 0:  # LightGBM bags only with a positive frequency
        found["subsample"] = 1.0
    config = LIGHTGBM.validate({**LIGHTGBM.default, **found})
    return {name: int(v) if name in _INTEGER_PARAMS else float(v) for name, v in config.items()}


def _outside_space(parameters: Mapping[str, Any], task: str, n_rows: int) -> str | None:
    """The first setting (``name=value``) of a setup's LightGBM component that the space does not
    hold and that changes the model trained on ``n_rows`` rows of a ``task``: a parameter the task's
    objective reads at other than LightGBM's default (by
    :func:`~metahpo.families.lightgbm.library_defaults`; an estimator argument without a listed
    default, such as ``class_weight``, at other than null; a bin sample of all the rows or more is
    the default's), or an objective not ``task``'s. None when the configuration read rebuilds the
    run's model."""
    names = parameter_names()
    ignored = set().union(*(names[name] for name in (*_NO_EFFECT, *_OTHER_OBJECTIVES)),
                          *(names[name] for name, only in _TASK_ONLY.items() if only != task))
    defaults = library_defaults()
    read = {_our_name(full_name): (_parse_value(text), text) for full_name, text in parameters.items()
            if _our_name(full_name) in ("subsample", "subsample_freq")}
    freq, subsample = read.get("subsample_freq", (0, "0")), read.get("subsample", (1.0, "1"))[0]
    if freq[0] not in (0, 1) and isinstance(subsample, (int, float)) and subsample < 1:
        return f"subsample_freq={freq[1]}"  # bagging every few rounds: the space bags every round
    for full_name, text in parameters.items():
        match = _COMPONENT.fullmatch(full_name)
        name = None if match is None else match["name"]
        if (name is None or not _of_lightgbm(match["flow"]) or name not in names or name in ignored
                or _our_name(full_name) is not None):
            continue
        value = _parse_value(text)
        if name in names["objective"]:
            same = value is None or value in _TASK_OBJECTIVES[task]
        elif name in names["bin_construct_sample_cnt"] and isinstance(value, (int, float)) and value >= n_rows:
            same = True  # LightGBM bins from all the rows either way
        else:
            same = _same_setting(value, defaults.get(name))
        if not same:
            return f"{name}={text}"
    return None


def _same_setting(value: Any, default: str | None) -> bool:
    """Whether a setup's value (parsed) is LightGBM's default as a model lists it (None: null)."""
    if value is None or default is None:
        return value is None
    if isinstance(value, str) and value.strip().lower() in _BOOLEAN_TEXT:  # R's TRUE, Python's False
        value = _BOOLEAN_TEXT[value.strip().lower()]
    if isinstance(value, (list, tuple)) and not any(value):  # no constraint on any feature
        value = ""
    if isinstance(value, (bool, int, float)) or default.lstrip("-").replace(".", "", 1).isdigit():
        try:
            return math.isclose(float(value), float(default), rel_tol=1e-9, abs_tol=1e-12)
        except (TypeError, ValueError):
            return False
    if isinstance(value, (list, tuple)):
        value = ",".join(map(str, value))
    return str(value).strip().lower() == default.lower()


_BOOLEAN_TEXT = {"true": 1, "false": 0, "yes": 1, "no": 0}
"""Booleans as setups written outside JSON hold them (R's ``TRUE``, Python's ``False``)."""


def _of_lightgbm(flow: str) -> bool:
    """Whether a parameter's component flow is LightGBM's (a pipeline's name holds its steps' in
    parentheses: only the component's own name counts)."""
    component = flow.split("(")[0].lower()
    return "lightgbm" in component or "lgbm" in component


def _our_name(full_name: str) -> str | None:
    """metahpo's name for an OpenML parameter of a LightGBM component, matched by its exact name or
    LightGBM alias; None for other parameters and other components' parameters.

    ``lightgbm.sklearn.LGBMClassifier(1)_min_child_samples`` and ``mlr.classif.lightgbm(1)_feature_fraction``
    give ``min_child_samples`` and ``colsample_bytree``; ``sklearn...QuantileTransformer(1)_subsample``
    and ``mlr.classif.lightgbm(1)_pos_bagging_fraction`` give None.
    """
    match = _COMPONENT.fullmatch(full_name)
    if match is None or not _of_lightgbm(match["flow"]):
        return None
    return _our_names().get(match["name"])


@functools.cache
def _our_names() -> dict[str, str]:
    """LightGBM's names and aliases of the parameters in :data:`_READ` -> metahpo's name."""
    return {alias: name for alias, name in canonical_names().items() if name in _READ}


def _parse_value(text: Any) -> Any:
    """A parameter value as OpenML stores it, as JSON (``0.1``, ``null``, ``"gbdt"``), else as is."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text
