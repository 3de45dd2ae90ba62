"""Past LightGBM runs on OpenML, imported into a knowledge base.

:func:`import_runs` turns the runs a LightGBM flow has on OpenML into knowledge-base rows: the
datasets (with the meta-features OpenML's qualities determine), the configurations and their
scores. It needs a connection (OpenML does not cache run listings); what cannot be fetched raises
a one-line :class:`~metahpo.exceptions.KnowledgeBaseError` that says why.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import openml
import pandas as pd

from metahpo.evaluation import METRICS, Evaluation
from metahpo.exceptions import ConfigError, KnowledgeBaseError
from metahpo.knowledge_base import KnowledgeBase
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

PARAMETER_ALIASES: dict[str, str] = {
    **dict.fromkeys(("learning_rate", "eta", "shrinkage_rate"), "learning_rate"),
    **dict.fromkeys(("num_leaves", "num_leaf", "max_leaves", "max_leaf"), "num_leaves"),
    **dict.fromkeys(
        ("min_child_samples", "min_data_in_leaf", "min_data_per_leaf"), "min_child_samples"
    ),
    **dict.fromkeys(("colsample_bytree", "feature_fraction", "sub_feature"), "colsample_bytree"),
    **dict.fromkeys(("subsample", "bagging_fraction", "sub_row"), "subsample"),
    **dict.fromkeys(("subsample_freq", "bagging_freq"), "subsample_freq"),
    **dict.fromkeys(("reg_alpha", "lambda_l1", "l1_regularization"), "reg_alpha"),
    **dict.fromkeys(("reg_lambda", "lambda_l2", "l2_regularization"), "reg_lambda"),
    **dict.fromkeys(("min_split_gain", "min_gain_to_split"), "min_split_gain"),
    **dict.fromkeys(
        ("n_estimators", "num_iterations", "num_iteration", "num_trees", "num_tree", "num_rounds",
         "num_round", "nrounds", "num_boost_round"),
        "n_estimators",
    ),
    **dict.fromkeys(("boosting_type", "boosting"), "boosting_type"),
}
"""LightGBM parameter names and aliases (scikit-learn and native) -> metahpo's name.

``subsample_freq`` and ``boosting_type`` are not searched by metahpo but decide how a run is read:
LightGBM bags only with a positive frequency, and only plain gradient boosting fits the space.
Not LightGBM's whole alias table (:func:`~metahpo.families.lightgbm.parameter_names`): names
are matched on their end, and that table's scikit-learn-style aliases (``max_iter``,
``min_samples_leaf``, ``max_leaf_nodes``, ...) name other pipeline steps' parameters too.
"""

_SEARCH_SPACE_BOOSTING = ("gbdt", "gbrt")
_INTEGER_PARAMS = frozenset({p.name for p in LIGHTGBM.params if p.integer} | {"n_estimators"})
_LIST_CHUNK = 100
"""Dataset ids per listing request (a longer URL may exceed the server's limit)."""

_CV_FOLDS = 10
"""Folds recorded for imported runs: OpenML's standard estimation procedure is 10-fold CV."""


def import_runs(
    flow_id: int,
    *,
    metric: str = "area_under_roc_curve",
    knowledge_base: KnowledgeBase | None = None,
    limit: int = 1000,
    cache_dir: str | os.PathLike | None = None,
) -> KnowledgeBase:
    """Import the OpenML runs of a LightGBM flow into a knowledge base.

    Each run's setup is read as a metahpo LightGBM configuration: parameters are matched by name or
    LightGBM alias (``eta``, ``feature_fraction``, ``lambda_l1``, ...) at the end of their OpenML
    name, values are parsed as JSON, and parameters the setup does not list take
    ``LIGHTGBM.default``. A run bagged with frequency 0 (LightGBM's default) ran without bagging and
    is recorded with ``subsample=1``. Parameters outside the search space (``max_depth``, ...) are
    ignored. Several runs of one configuration on one dataset are averaged.

    Skipped, and counted by reason: runs whose configuration is invalid (values out of range, not
    plain gradient boosting, two values for one parameter, no parameters listed), runs on datasets
    OpenML does not list (or lists without their size), runs whose metric metahpo does not use for
    the dataset's task (e.g. ROC AUC on a multiclass dataset), and runs without a score.

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
        For an unknown metric or a ``limit`` below 1.
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

    skipped = dict.fromkeys(("invalid_config", "dataset_unavailable", "metric_not_for_task", "no_score"), 0)
    configs: dict[str, Config] = {}
    scores: dict[tuple[int, str], list[float]] = {}
    for data_id, value, parameters in zip(runs["data_id"], runs["value"], runs["parameters"]):
        dataset = datasets.get(int(data_id))
        if dataset is None:
            skipped["dataset_unavailable"] += 1
            continue
        if ours not in METRICS[dataset["task"]]:
            skipped["metric_not_for_task"] += 1
            continue
        if pd.isna(value):
            skipped["no_score"] += 1
            continue
        try:
            config = _config_from_parameters(parameters)
        except ConfigError as exc:
            logger.debug("skipping a run of flow %s on dataset %s: %s", flow_id, data_id, exc)
            skipped["invalid_config"] += 1
            continue
        cid = config_id(config)
        configs[cid] = config
        scores.setdefault((int(data_id), cid), []).append(sign * float(value))

    for data_id in sorted({data_id for data_id, _ in scores}):
        kb.add_dataset(f"openml-{data_id}", **datasets[data_id])
    for (data_id, cid), values in scores.items():
        evaluation = Evaluation(
            config=configs[cid],
            metric=ours,
            scores={ours: float(np.mean(values))},
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
    return runs


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
    value = qualities.get(name)
    return math.nan if value is None or pd.isna(value) else float(value)


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


def _our_name(full_name: str) -> str | None:
    """metahpo's name for an OpenML parameter: the longest ``_``-separated suffix that is a known name.

    ``lightgbm.sklearn.LGBMClassifier(1)_min_child_samples``, ``lgbmclassifier__learning_rate`` and
    ``mlr.classif.lightgbm(1)_feature_fraction`` give ``min_child_samples``, ``learning_rate`` and
    ``colsample_bytree``.
    """
    parts = full_name.split("_")
    for start in range(len(parts)):
        name = PARAMETER_ALIASES.get("_".join(parts[start:]))
        if name is not None:
            return name
    return None


def _parse_value(text: Any) -> Any:
    """A parameter value as OpenML stores it, as JSON (``0.1``, ``null``, ``"gbdt"``), else as is."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text
