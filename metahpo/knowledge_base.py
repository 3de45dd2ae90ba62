"""The knowledge base: past tuning runs, indexed by dataset meta-features.

On disk a knowledge base is a folder of plain data, no code and no pickle::

    manifest.json            schema version, model family, search-space version, metrics, provenance
    datasets/*.csv[.gz]      one row per dataset: id, name, source, task, rows, features, meta-features
    configurations/*.csv[.gz] one row per configuration: id, family, origin, parameters as JSON
    runs/*.csv[.gz]          one row per (dataset, configuration) evaluation: every metric's mean and
                             per-fold scores, best iteration, times, status, error, version, time

Each table is a set of part files. Appending writes a new part (to a temporary name, then an atomic
rename), so earlier rows are never rewritten and two processes can append at once. A long build
streams rows into a *live* part of its own, flushed row by row, each row closed by an ``end`` marker
so that a row torn by a kill is recognised and dropped (wherever the kill cut it, quoted fields
included). A writer holds an OS lock on its live part while it is open; :func:`compact` folds the
parts no writer holds into compressed ones and leaves the others alone, so concurrent writers,
compactions, loads and kills lose no row and read none twice. Loading validates the manifest and
every part (columns, scores within their metric's range, parameters as JSON objects that hash to
their ``config_id``) and names the file at fault.

In memory, :class:`KnowledgeBase` holds the three tables as DataFrames. It may be sparse (a user's
own history without the full dataset x configuration matrix); :meth:`KnowledgeBase.matrix` gives the
dataset x configuration score matrix with NaN where nothing was run.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import io
import json
import math
import os
import re
import socket
import stat
import tempfile
import time
import uuid
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from metahpo import __version__
from metahpo.datasets import TASKS, Dataset
from metahpo.evaluation import METRICS, SCORED, Evaluation, default_metric
from metahpo.exceptions import KnowledgeBaseError
from metahpo.families import get_family
from metahpo.files import atomic_write, fcntl, file_mode, locked
from metahpo.progress import plural
from metahpo.spaces import Config, config_id


SCHEMA_VERSION = 1
_PACKAGE = Path(__file__).resolve().parent
SHIPPED_PATHS = (_PACKAGE / "_shipped_kb", _PACKAGE.parent / "knowledge_base")
"""Where the shipped knowledge base is: inside an installed package, or beside it in a checkout."""

ALL_METRICS = tuple(dict.fromkeys(m for ms in METRICS.values() for m in ms))

DATASET_COLUMNS = ("dataset_id", "name", "source", "task", "n_rows", "n_features")
CONFIG_COLUMNS = ("config_id", "family", "origin", "params")
RUN_COLUMNS = (
    "dataset_id",
    "config_id",
    "status",
    "error",
    *(f"score_{m}" for m in ALL_METRICS),
    *(f"folds_{m}" for m in ALL_METRICS),
    "best_iteration",
    "fit_time",
    "total_time",
    "cv",
    "metahpo_version",
    "time",
)
ORIGIN_SEP = "|"
"""Separates the producing datasets in a configuration's ``origin`` (``"pool:ds1|ds2"``)."""

_END = "end"
"""Last column of every row written: a row without it was torn by a kill and is dropped."""
_ROW_END = re.compile(rb",1\r?\n")
"""How a complete row ends: its end marker. Only a file's last row can be torn."""

_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "datasets": (DATASET_COLUMNS, ("dataset_id",)),
    "configurations": (CONFIG_COLUMNS, ("config_id",)),
    "runs": (RUN_COLUMNS, ("dataset_id", "config_id")),
}

VERSION_SEP = "@"
"""A larger version of a dataset has the id ``NAME@ROWS`` (see :func:`metahpo.build.sized`)."""


def base_id(dataset_id: str) -> str:
    """The dataset a knowledge-base id is a version of: ``credit@10000`` -> ``credit``."""
    return dataset_id.partition(VERSION_SEP)[0]


HUGE = 1e15
"""No score, count or time in a knowledge base is this large: a bigger value is garbage."""

_MAX_LOG_LOSS = -math.log(1e-15) + 0.5
"""Log loss of probabilities clipped at 1e-15 (as :mod:`metahpo.evaluation` scores it) is at most 34.5."""

_SCORE_RANGES: dict[str, tuple[float, float]] = {
    "roc_auc": (0.0, 1.0),
    "accuracy": (0.0, 1.0),
    "balanced_accuracy": (0.0, 1.0),
    "neg_log_loss": (-_MAX_LOG_LOSS, 0.0),
    "r2": (-HUGE, 1.0),
    "neg_root_mean_squared_error": (-HUGE, 0.0),
    "neg_mean_absolute_error": (-HUGE, 0.0),
}
"""The values each metric's mean score may take (NaN aside: a failed run or a metric not scored)."""

_NUMBER_RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "datasets": {"n_rows": (0.0, HUGE), "n_features": (0.0, HUGE)},
    "configurations": {},
    "runs": {
        **{f"score_{m}": _SCORE_RANGES.get(m, (-HUGE, HUGE)) for m in ALL_METRICS},
        **dict.fromkeys(("best_iteration", "fit_time", "total_time", "cv"), (0.0, HUGE)),
    },
}
"""Per table, the numeric columns checked on loading and their ranges; meta-features (``mf_*``)
must be finite."""

_READ_ATTEMPTS = 20
"""Listings of a table tried while a concurrent compaction keeps removing parts just listed."""

_COMPACT_LOCK = ".compact.lock"
"""File in the knowledge-base folder that one compaction at a time holds locked."""


@dataclass(eq=False)
class KnowledgeBase:
    """Datasets, configurations and runs, as three DataFrames.

    Use :meth:`load` to read one from disk (or :func:`load_shipped` for the one metahpo ships),
    :meth:`add_dataset`, :meth:`add_configuration` and :meth:`add_evaluation` to grow one in memory,
    and :meth:`save` / :func:`append` to write.

    Parameters
    ----------
    datasets, configurations, runs : DataFrame
        The three tables (docs/knowledge_base.md lists their columns). Replacing one (as the
        ``add_*`` methods do) counts a new :attr:`revision`, so that recommenders fitted on the
        knowledge base are fitted anew; a table changed in place is not seen.
    family : str
        The model family whose configurations it holds.
    space_version : str
        The version of the family's search space the configurations were drawn in.
    provenance : dict, optional
        How it was made (the build's settings), as its manifest records it.

    Attributes
    ----------
    revision : int
        How many times a table was set: what fitted recommenders are checked against.
    """

    datasets: pd.DataFrame
    configurations: pd.DataFrame
    runs: pd.DataFrame
    family: str = "lightgbm"
    space_version: str = ""
    provenance: dict[str, Any] | None = None

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _TABLES:  # a table replaced (as the add_* methods replace them): a new revision
            object.__setattr__(self, "revision", getattr(self, "revision", 0) + 1)
        object.__setattr__(self, name, value)

    def __sklearn_clone__(self) -> KnowledgeBase:
        """The knowledge base itself, not a deep copy: scikit-learn's ``clone`` of an estimator given
        it (one per fold of a cross-validation, per candidate of a grid search) shares it as the
        estimator did, so the recommenders fitted on it are fitted once. Estimators only read it."""
        return self

    # ------------------------------------------------------------------ construction

    @classmethod
    def empty(cls, family: str = "lightgbm") -> KnowledgeBase:
        """A knowledge base with no rows, for the search space of ``family``."""
        return cls(
            datasets=pd.DataFrame(columns=list(DATASET_COLUMNS)),
            configurations=pd.DataFrame(columns=list(CONFIG_COLUMNS)),
            runs=_coerce_runs(pd.DataFrame(columns=list(RUN_COLUMNS))),
            family=family,
            space_version=get_family(family).space.version,
            provenance={},
        )

    @classmethod
    def load(cls, path: str | os.PathLike) -> KnowledgeBase:
        """Read and validate the knowledge base in folder ``path``.

        Raises
        ------
        KnowledgeBaseError
            If the folder, the manifest or a part file is missing, truncated or malformed.
        """
        root = Path(path)
        manifest = read_manifest(root)
        # Runs first, datasets last: writers write a dataset and a configuration before the runs
        # that refer to them, so each table read later holds whatever the earlier ones refer to.
        tables = {name: _read_table(root, name) for name in reversed(_TABLES)}
        _check_rows(root, manifest, tables)
        kb = cls(
            datasets=tables["datasets"],
            configurations=tables["configurations"],
            runs=_coerce_runs(tables["runs"]),
            family=manifest["family"],
            space_version=manifest["space_version"],
            provenance=manifest.get("provenance", {}),
        )
        kb._check_references(root)
        return kb

    def merge(self, other: KnowledgeBase) -> KnowledgeBase:
        """A new knowledge base holding both; where both ran a pair, ``other``'s run wins."""
        if other.family != self.family:
            raise KnowledgeBaseError(f"cannot merge a {other.family} knowledge base into a {self.family} one")
        def combine(a: pd.DataFrame, b: pd.DataFrame, key: tuple[str, ...]) -> pd.DataFrame:
            frames = [f for f in (a, b) if len(f)]
            if not frames:
                return a
            return pd.concat(frames, ignore_index=True).drop_duplicates(list(key), keep="last").reset_index(drop=True)

        return KnowledgeBase(
            datasets=combine(self.datasets, other.datasets, _TABLES["datasets"][1]),
            configurations=combine(self.configurations, other.configurations, _TABLES["configurations"][1]),
            runs=_coerce_runs(combine(self.runs, other.runs, _TABLES["runs"][1])),
            family=self.family,
            space_version=self.space_version,
            provenance={**(self.provenance or {}), **(other.provenance or {})},
        )

    def add_dataset(
        self, dataset_id: str, *, name: str, task: str, n_rows: int, n_features: int,
        metafeatures: Mapping[str, float], source: str = "",
    ) -> None:
        """Add (or replace) a dataset row with its meta-features."""
        row = {"dataset_id": dataset_id, "name": name, "source": source, "task": task,
               "n_rows": n_rows, "n_features": n_features, **{f"mf_{k}": v for k, v in metafeatures.items()}}
        self.datasets = _upsert(self.datasets, pd.DataFrame([row]), ["dataset_id"])

    def add_configuration(self, config: Config, origin: str = "") -> str:
        """Add a configuration (valid in the family's space of some task) and return its id."""
        get_family(self.family).validate(config)
        cid = config_id(config)
        if cid not in set(self.configurations["config_id"]):
            row = pd.DataFrame([configuration_row(config, self.family, origin)])
            self.configurations = _upsert(self.configurations, row, ["config_id"])
        return cid

    def add_evaluation(self, dataset_id: str, evaluation: Evaluation, cv: int, origin: str = "") -> None:
        """Record an evaluation (adding its configuration if new); a score outside its metric's
        range (a loss given as a positive number, an AUC above 1) is a :class:`KnowledgeBaseError`,
        since no knowledge base holding it could be loaded."""
        for metric, value in evaluation.scores.items():
            low, high = _SCORE_RANGES.get(metric, (-HUGE, HUGE))
            if not (np.isnan(value) or low <= value <= high):
                raise KnowledgeBaseError(f"{metric} {value:g} is not in [{low:g}, {high:g}]")
        self.add_configuration(evaluation.config, origin)
        row = pd.DataFrame([run_row(dataset_id, evaluation, cv)])
        self.runs = _coerce_runs(_upsert(self.runs, row, ["dataset_id", "config_id"]))

    # ------------------------------------------------------------------ views

    @property
    def metafeature_names(self) -> list[str]:
        """The meta-features the datasets table holds (its ``mf_`` columns, without the prefix)."""
        return [c[3:] for c in self.datasets.columns if c.startswith("mf_")]

    def metafeatures(self, task: str | None = None) -> pd.DataFrame:
        """Meta-features of the datasets (of one task), indexed by dataset id."""
        frame = self.datasets if task is None else self.datasets[self.datasets["task"] == task]
        mf = frame.set_index("dataset_id")[[f"mf_{n}" for n in self.metafeature_names]]
        return mf.rename(columns=lambda c: c[3:]).astype(float)

    def params(self, config_ids: Iterable[str]) -> list[Config]:
        """The parameters of configurations, in the order asked."""
        table = self.configurations.set_index("config_id")["params"]
        config_ids = list(config_ids)
        unknown = [c for c in config_ids if c not in table.index]
        if unknown:
            raise KnowledgeBaseError(f"the knowledge base holds no configuration {', '.join(map(repr, unknown[:5]))}"
                                     f"{' ...' if len(unknown) > 5 else ''}")
        return [json.loads(table[c]) for c in config_ids]

    def matrix(self, metric: str | None = None, task: str | None = None) -> pd.DataFrame:
        """Dataset x configuration matrix of mean scores (NaN where not run or failed).

        ``metric`` defaults to the default metric of ``task``; ``task`` to every task of the KB
        (then ``metric`` must be given, or each dataset uses its own task's default).
        """
        runs = self.runs[self.runs["status"] == "ok"]
        tasks = runs["dataset_id"].map(self.datasets.set_index("dataset_id")["task"])
        if task is not None:
            runs, tasks = runs[tasks == task], tasks[tasks == task]
        stored = ALL_METRICS if task is None else METRICS[task]
        if metric is not None and metric not in stored:
            raise KnowledgeBaseError(f"the knowledge base stores no {'' if task is None else task + ' '}metric "
                                     f"{metric!r}; it has {', '.join(stored)}")
        score = pd.Series(np.nan, index=runs.index)
        for t in tasks.dropna().unique():
            rows = tasks == t
            score[rows] = runs.loc[rows, f"score_{metric or default_metric(t)}"]
        return runs.assign(_score=score).pivot_table(
            index="dataset_id", columns="config_id", values="_score", aggfunc="mean"
        )

    def normalized(self, metric: str | None = None, task: str | None = None) -> pd.DataFrame:
        """The score matrix scaled per dataset to [0, 1]: 0 the worst configuration run, 1 the best.

        A dataset on which every configuration scored the same gets 1 everywhere it was run.
        """
        return normalize(self.matrix(metric, task))

    def info(self) -> dict[str, Any]:
        """Counts: datasets (per task), configurations (per origin: the build phase or import that
        produced them, a pool member counted as ``pool`` whichever phase found it; ``(none)`` where
        none is recorded), runs, failures (failed or out of time; a pruned trial of a ``tune`` record is
        none), the hours the recorded runs took (the sum of their
        ``total_time``, one CPU each), the density of the dataset x configuration matrix, and how
        many configurations ran successfully on every dataset of the tasks whose space they belong
        to (every dataset, for a family with one space)."""
        ok = self.runs[self.runs["status"] == "ok"]
        n_d, n_c = len(self.datasets), len(self.configurations)
        pairs = ok[["dataset_id", "config_id"]].drop_duplicates()
        return {
            "family": self.family,
            "space_version": self.space_version,
            "n_datasets": n_d,
            "n_configurations": n_c,
            "configurations_by_origin": {o: int(n) for o, n in
                                         self._origin_kinds().value_counts().sort_index().items()},
            "n_runs": len(self.runs),
            "n_failed": int((~self.runs["status"].isin(["ok", "pruned"])).sum()),  # a pruned trial ran as asked
            "cpu_hours": round(float(pd.to_numeric(self.runs["total_time"], errors="coerce").sum()) / 3600, 2),
            "density": float(len(pairs) / (n_d * n_c)) if n_d and n_c else 0.0,
            "dense_configurations": self._dense(pairs),
            "datasets_per_task": {t: int(n) for t, n in self.datasets["task"].value_counts().sort_index().items()},
            "metafeatures": len(self.metafeature_names),
        }

    def _origin_kinds(self) -> pd.Series:
        """Each configuration's origin without the datasets that produced it, ``(none)`` if unrecorded."""
        return _text(self.configurations["origin"]).map(lambda o: o.partition(":")[0] or "(none)")

    def _dense(self, pairs: pd.DataFrame) -> int:
        """How many configurations of ``pairs`` (successful dataset, configuration pairs) ran on
        every dataset whose task's space they belong to."""
        tasks = self.datasets.set_index("dataset_id")["task"]
        per_task = tasks.value_counts()
        params = self.configurations.drop_duplicates("config_id").set_index("config_id")["params"]
        family = get_family(self.family)
        dense = 0
        for cid, n_ran in pairs["config_id"].value_counts().items():
            config = json.loads(params.get(cid, "null"))
            applicable = sum(n for task, n in per_task.items() if family.space_for(task).contains(config))
            dense += bool(applicable) and n_ran == applicable
        return dense

    def pool_ids(self) -> list[str]:
        """The configurations of the build's cross-evaluated pool (origin ``pool``)."""
        return self.configurations.loc[self._origin_kinds() == "pool", "config_id"].drop_duplicates().tolist()

    def producers(self) -> pd.Series:
        """Which datasets produced each configuration, by config id: the ids after the colon of
        its ``origin`` (``"pool:ds1|ds2"``: the best explored on ``ds1`` and ``ds2``); empty for a
        configuration no dataset produced (the library's defaults, an import)."""
        origin = _text(self.configurations.set_index("config_id")["origin"])
        return origin.map(lambda o: frozenset(filter(None, o.partition(":")[2].split(ORIGIN_SEP))))

    def without(self, dataset_ids: Iterable[str]) -> KnowledgeBase:
        """A copy that owes nothing to some datasets (for leave-one-out evaluation), each in every
        version (``credit``, ``credit@10000``: see :func:`base_id`): without their rows, their runs,
        and the configurations their searches produced (see :meth:`producers`), with those
        configurations' runs on every other dataset."""
        drop = {base_id(d) for d in dataset_ids}
        produced = self.producers()
        leaked = set(produced.index[produced.map(lambda p: any(base_id(d) in drop for d in p))])
        dropped = self.datasets["dataset_id"].map(base_id).isin(drop)
        run_dropped = self.runs["dataset_id"].map(base_id).isin(drop)
        return KnowledgeBase(
            datasets=self.datasets[~dropped].reset_index(drop=True),
            configurations=self.configurations[~self.configurations["config_id"].isin(leaked)].reset_index(drop=True),
            runs=self.runs[~run_dropped & ~self.runs["config_id"].isin(leaked)].reset_index(drop=True),
            family=self.family,
            space_version=self.space_version,
            provenance=self.provenance,
        )

    # ------------------------------------------------------------------ writing

    def save(self, path: str | os.PathLike) -> Path:
        """Write the whole knowledge base to folder ``path`` as one compressed part per table.

        Parts already in the folder are replaced only after the new ones are in place.
        """
        root = Path(path)
        old = {name: _parts(root / name) for name in _TABLES}
        write_manifest(root, self.family, self.space_version, self.provenance or {},
                       rows={"datasets": len(self.datasets), "configurations": len(self.configurations),
                             "runs": len(self.runs)})
        for name, frame in (("datasets", self.datasets), ("configurations", self.configurations), ("runs", self.runs)):
            _write_part(root / name, frame, _TABLES[name][0], compress=True)
        for files in old.values():
            for f in files:
                f.unlink(missing_ok=True)
        return root

    def _check_references(self, root: Path) -> None:
        unknown = set(self.runs["dataset_id"].unique()) - set(self.datasets["dataset_id"])  # unique(): hashed in C
        unknown_c = set(self.runs["config_id"].unique()) - set(self.configurations["config_id"])
        if unknown or unknown_c:
            what = sorted(unknown)[:3] or sorted(unknown_c)[:3]
            raise KnowledgeBaseError(f"knowledge base {root}: runs refer to unknown datasets/configurations {what}")


def normalize(matrix: pd.DataFrame) -> pd.DataFrame:
    """A score matrix (:meth:`KnowledgeBase.matrix`) scaled per dataset as
    :meth:`KnowledgeBase.normalized` scales it."""
    lo, hi = matrix.min(axis=1), matrix.max(axis=1)
    norm = matrix.sub(lo, axis=0).div((hi - lo).replace(0.0, np.nan), axis=0)
    return norm.mask(norm.isna() & matrix.notna(), 1.0)


# ---------------------------------------------------------------------- rows


def dataset_row(dataset_id: str, dataset: Dataset, metafeatures: Mapping[str, float],
                source: str | None = None) -> dict[str, Any]:
    """One row of the datasets table: ``dataset``'s name, source (``source`` if given), task and
    shape, and its meta-features."""
    return {"dataset_id": dataset_id, "name": dataset.name, "source": dataset.source if source is None else source,
            "task": dataset.task, "n_rows": dataset.n_rows, "n_features": dataset.n_features,
            **{f"mf_{k}": v for k, v in metafeatures.items()}}


def configuration_row(config: Config, family: str, origin: str = "") -> dict[str, Any]:
    """One row of the configurations table."""
    return {"config_id": config_id(config), "family": family, "origin": origin,
            "params": json.dumps(config, sort_keys=True)}


def run_row(dataset_id: str, evaluation: Evaluation, cv: int) -> dict[str, Any]:
    """One row of the runs table for an evaluation."""
    row: dict[str, Any] = {
        "dataset_id": dataset_id,
        "config_id": config_id(evaluation.config),
        "status": evaluation.status,
        "error": evaluation.error,
        "best_iteration": evaluation.best_iteration,
        "fit_time": round(evaluation.fit_time, 4),
        "total_time": round(evaluation.total_time, 4),
        "cv": cv,
        "metahpo_version": __version__,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),  # UTC: rows of machines in any zone compare
    }
    for m in ALL_METRICS:
        row[f"score_{m}"] = evaluation.scores.get(m, np.nan)
        folds = evaluation.fold_scores.get(m)
        row[f"folds_{m}"] = json.dumps([round(v, 6) for v in folds]) if folds else ""
    return row


def _text(col: pd.Series) -> pd.Series:
    """``col`` as text, a missing value as "" (a column with no value at all is read as floats, which
    pandas will not fill with text)."""
    return col.astype(object).where(col.notna(), "").astype(str)


# ---------------------------------------------------------------------- files


def read_manifest(root: Path) -> dict[str, Any]:
    """Read and check ``manifest.json`` of the knowledge base at ``root``."""
    if not root.is_dir():
        raise KnowledgeBaseError(f"no knowledge base at {root}: not a folder")
    path = root / "manifest.json"
    try:
        manifest = json.loads(_file_bytes(path))
    except FileNotFoundError:
        raise KnowledgeBaseError(f"knowledge base {root} has no manifest.json") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise KnowledgeBaseError(f"corrupt manifest {path}: {exc}") from None
    if not isinstance(manifest, dict):
        raise KnowledgeBaseError(f"corrupt manifest {path}: {json.dumps(manifest)[:60]} is not a JSON object")
    missing = {"schema_version", "family", "space_version"} - set(manifest)
    if missing:
        raise KnowledgeBaseError(f"manifest {path} lacks {', '.join(sorted(missing))}")
    for key, kind in (("family", str), ("space_version", str), ("provenance", dict), ("rows", dict)):
        if key in manifest and not isinstance(manifest[key], kind):
            raise KnowledgeBaseError(f"corrupt manifest {path}: {key} is {json.dumps(manifest[key])[:60]}")
    for name, n in manifest.get("rows", {}).items():
        if type(n) is not int or n < 0:
            raise KnowledgeBaseError(f"corrupt manifest {path}: rows of {name} is {json.dumps(n)[:60]}, "
                                     f"not a whole number of rows")
    if type(manifest["schema_version"]) is not int:  # "1", 1.0 and true are not the version 1
        raise KnowledgeBaseError(f"corrupt manifest {path}: schema_version is "
                                 f"{json.dumps(manifest['schema_version'])[:60]}, not a whole number")
    if manifest["schema_version"] != SCHEMA_VERSION:
        raise KnowledgeBaseError(
            f"knowledge base {root} has schema version {manifest['schema_version']}, "
            f"this metahpo reads version {SCHEMA_VERSION}"
        )
    return manifest


def write_manifest(root: Path, family: str, space_version: str, provenance: Mapping[str, Any],
                   rows: Mapping[str, int] | None = None) -> None:
    """Create the folders and write ``manifest.json`` atomically, with ``rows``, each table's rows
    when the folder was last whole (:meth:`KnowledgeBase.save`, :func:`compact`), if given."""
    for name in _TABLES:
        (root / name).mkdir(parents=True, exist_ok=True)
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "family": family,
        "space_version": space_version,
        "metrics": {task: list(ms) for task, ms in METRICS.items()},
        "metahpo_version": __version__,
        "tables": {name: list(cols) for name, (cols, _) in _TABLES.items()},
        "provenance": dict(provenance),
        **({} if rows is None else {"rows": {name: int(n) for name, n in rows.items()}}),
    }
    atomic_write(root / "manifest.json", json.dumps(manifest, indent=2, default=str).encode())


def _check_rows(root: Path, manifest: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]) -> None:
    """A :class:`KnowledgeBaseError` if a table holds fewer rows than the manifest recorded: rows
    are added or replaced, never removed, so fewer means a part file is missing."""
    for name, recorded in (manifest.get("rows") or {}).items():
        if name in tables and len(tables[name]) < recorded:
            raise KnowledgeBaseError(f"knowledge base {root}: its {name} hold {len(tables[name])} rows, fewer than the "
                                     f"{recorded} its manifest records: a part file of {root / name} is missing")


def check_unmanifested(root: str | os.PathLike) -> None:
    """A :class:`KnowledgeBaseError` if folder ``root`` holds a table's part files but no
    ``manifest.json``: parts of an unknown family, space and build, which a new manifest would adopt."""
    root = Path(root)
    if (root / "manifest.json").exists():
        return
    parts = [p for name in _TABLES if (root / name).is_dir() for p in _parts(root / name)]
    if parts:
        raise KnowledgeBaseError(f"{root} holds {plural(len(parts), 'knowledge-base part')} ({parts[0].parent.name}/"
                                 f"{parts[0].name}{', ...' if len(parts) > 1 else ''}) but no manifest.json: restore "
                                 f"the manifest, or use another folder")


def append(path: str | os.PathLike, kb: KnowledgeBase) -> None:
    """Append the rows of ``kb`` to the knowledge base at ``path`` (created if absent) as new parts.

    Earlier parts are never touched, so concurrent appends from several processes are safe. A
    folder of parts without a manifest is refused (:func:`check_unmanifested`).
    """
    root = Path(path)
    if not (root / "manifest.json").exists():
        check_unmanifested(root)
        write_manifest(root, kb.family, kb.space_version, kb.provenance or {})
    elif (family := read_manifest(root)["family"]) != kb.family:
        raise KnowledgeBaseError(f"cannot append {kb.family} runs to the {family} knowledge base at {root}")
    for name, frame in (("datasets", kb.datasets), ("configurations", kb.configurations), ("runs", kb.runs)):
        if len(frame):
            _write_part(root / name, frame, _TABLES[name][0], compress=True)


def append_keeping_scores(path: str | os.PathLike, kb: KnowledgeBase, metric: str) -> None:
    """Append ``kb``, whose runs are scored on ``metric``, to the knowledge base at ``path`` as
    :func:`append` does, keeping what the folder holds: a configuration there keeps its origin, and
    a run of the same dataset, configuration and folds keeps its scores on other metrics (an ingest
    or import on another metric adds to them, where the newer row, which loading keeps, would lose
    them)."""
    root = Path(path)
    if (root / "manifest.json").exists():
        held = KnowledgeBase.load(root)
        configurations = kb.configurations[~kb.configurations["config_id"].isin(held.configurations["config_id"])]
        keys = ["dataset_id", "config_id"]
        runs = kb.runs.set_index(keys)
        earlier = held.runs.set_index(keys).reindex(runs.index)
        others = [c for c in runs.columns if c.startswith(("score_", "folds_")) and c.partition("_")[2] != metric]
        fill = (runs[others].isna() | runs[others].eq("")) & earlier["cv"].eq(runs["cv"]).to_numpy()[:, None]
        runs[others] = runs[others].mask(fill, earlier[others])
        kb = replace(kb, configurations=configurations.reset_index(drop=True), runs=runs.reset_index())
    append(root, kb)


def compact(path: str | os.PathLike) -> None:
    """Fold the part files of the knowledge base at ``path`` into compressed parts.

    Only parts no writer holds are folded: immutable compressed parts, and live parts whose
    :class:`LiveWriter` is closed (or was killed). A live part still open (another build, a
    ``tune(record_to=...)``) and a part appended meanwhile are left alone. Each run of consecutive
    foldable parts, in the order loading reads them, becomes one part stamped with the modification
    time of its newest member, so the newest row of a key still wins. One compaction at a time
    holds the folder's ``.compact.lock``. A kill at any point loses nothing and duplicates nothing:
    the new part is in place before its members are removed, oldest first, and loading keeps one
    row per key. A table with fewer rows than the manifest records (a part file gone) is a
    :class:`KnowledgeBaseError`, as on loading, and the manifest keeps the count it recorded.
    """
    root = Path(path)
    read_manifest(root)  # a clear error for a folder that holds no knowledge base
    with locked(root / _COMPACT_LOCK):
        for name in _TABLES:
            _compact_table(root / name, name)
        manifest = read_manifest(root)  # whole now: its rows recorded, for a load to notice a part gone
        tables = {name: _read_table(root, name) for name in _TABLES}
        _check_rows(root, manifest, tables)  # a part gone is refused as on loading, not recorded as the whole
        rows = {name: len(table) for name, table in tables.items()}
        write_manifest(root, manifest["family"], manifest["space_version"], manifest.get("provenance", {}), rows)


def _compact_table(folder: Path, name: str) -> None:
    held: list[int] = []
    try:
        runs: list[list[Path]] = [[]]
        for part in _parts(folder):
            if part.name.endswith(".gz"):
                runs[-1].append(part)
            elif (fd := _claim(part)) is not None:
                held.append(fd)
                runs[-1].append(part)
            else:  # open by a writer: it stays, between the runs folded before and after it
                runs.append([])
        for run in runs:
            if len(run) > 1 or (run and not run[0].name.endswith(".gz")):
                _fold(folder, name, run)
    finally:
        for fd in held:
            os.close(fd)


def _fold(folder: Path, name: str, parts: list[Path]) -> None:
    """Replace ``parts`` (oldest first) by one compressed part with their newest modification time."""
    frame = _newest(_concat_parts(parts, name), name)
    if len(frame):
        newest = max(p.stat().st_mtime_ns for p in parts)
        _write_part(folder, frame, _TABLES[name][0], compress=True, mtime_ns=newest)
    for p in parts:  # oldest first: a kill leaves newer members, whose rows the new part repeats
        p.unlink(missing_ok=True)


def _claim(part: Path) -> int | None:
    """A descriptor holding the lock of live part ``part``, or None if a writer holds it (or it is
    gone, or there are no OS locks, on Windows: compaction then leaves every live part alone)."""
    if fcntl is None:
        return None
    try:
        fd = os.open(part, os.O_RDWR)  # opened for writing: some file systems lock only those
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


class LiveWriter:
    """Streams rows into a live part file of one table, flushed after every row.

    Used by long builds: a kill loses at most the row being written, which the loader drops.
    Each process opens its own file, so parallel workers never share one. While open, the writer
    holds an OS lock on its file, so that :func:`compact` leaves the file alone; writing again
    after :meth:`close` continues the file, or starts it anew if a compaction has folded it.
    """

    def __init__(self, root: str | os.PathLike, table: str) -> None:
        self.columns = _TABLES[table][0]
        folder = Path(root) / table
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"live-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}.csv"
        self._fh: TextIO | None = None
        self._columns_fixed = False

    def write(self, row: Mapping[str, Any]) -> None:
        """Append one row; the first row fixes the columns (the table's, then any extra ones)."""
        if not self._columns_fixed:
            self.columns = (*self.columns, *(k for k in row if k not in self.columns))
            self._columns_fixed = True
        if self._fh is None:
            self._fh = _open_locked(self.path)
        header = os.fstat(self._fh.fileno()).st_size == 0
        frame = pd.DataFrame([{**{c: row.get(c, "") for c in self.columns}, _END: 1}])
        frame.to_csv(self._fh, index=False, header=header)
        self._fh.flush()

    def close(self) -> None:
        """Close the file, releasing its lock."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _open_locked(path: Path) -> TextIO:
    """Open ``path`` for appending, holding its lock, and sure that it is still the file at ``path``."""
    while True:
        fh = open(path, "a", newline="")
        if fcntl is None:
            return fh
        fcntl.flock(fh, fcntl.LOCK_EX)
        with contextlib.suppress(FileNotFoundError):
            if os.path.samestat(os.stat(path), os.fstat(fh.fileno())):
                return fh
        fh.close()  # a compaction folded and removed it before we held the lock: start anew


def _write_part(folder: Path, frame: pd.DataFrame, columns: tuple[str, ...], compress: bool,
                mtime_ns: int | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    extra = [c for c in frame.columns if c not in columns]
    out = frame.reindex(columns=[*columns, *extra]).assign(**{_END: 1})
    suffix = ".csv.gz" if compress else ".csv"
    final = folder / f"part-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{uuid.uuid4().hex[:8]}{suffix}"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix)
    os.close(fd)
    os.chmod(tmp, file_mode())
    try:
        out.to_csv(tmp, index=False, compression={"method": "gzip", "mtime": 0} if compress else None)
        if mtime_ns is not None:
            os.utime(tmp, ns=(mtime_ns, mtime_ns))
        os.replace(tmp, final)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return final


def _parts(folder: Path) -> list[Path]:
    """A table's part files, oldest first, so that on a repeated key the newest row wins.

    Temporary files (``.tmp-*``, parts still being written) and other files (``part-1.csv.gz.bak``)
    are not parts.
    """
    parts = [p for p in folder.glob("*.csv*") if not p.name.startswith(".") and p.name.endswith((".csv", ".csv.gz"))]
    return sorted(parts, key=lambda p: (_stat(p).st_mtime_ns, p.name))


def stored_rows(path: str | os.PathLike, table: str) -> pd.DataFrame:
    """Every complete row stored in the parts of one table, oldest part first, before loading keeps
    the newest row of each key: for audits (a key stored twice is a row written twice).

    Parameters
    ----------
    path : path
        The knowledge-base folder.
    table : {"datasets", "configurations", "runs"}

    Raises
    ------
    KnowledgeBaseError
        If a part is corrupt or no readable file, or the parts kept vanishing while being read (compactions
        folding them).
    """
    if table not in _TABLES:
        raise KnowledgeBaseError(f"no table {table!r}; a knowledge base has {', '.join(_TABLES)}")
    folder = Path(path) / table
    for _ in range(_READ_ATTEMPTS):
        try:
            return _concat_parts(_parts(folder), table)
        except FileNotFoundError:  # folded into a newer part since listed: list again
            continue
    raise KnowledgeBaseError(f"the parts of {folder} kept vanishing while being read")


def _read_table(root: Path, name: str) -> pd.DataFrame:
    """One table: its stored rows, the newest of each key."""
    return _newest(stored_rows(root, name), name)


def _concat_parts(parts: list[Path], name: str) -> pd.DataFrame:
    """The complete rows of ``parts`` of table ``name``, in order (FileNotFoundError if one is gone)."""
    frames = [f for f in (_read_part(p, name) for p in parts) if f is not None]
    if not frames:
        return pd.DataFrame(columns=list(_TABLES[name][0]))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _newest(rows: pd.DataFrame, name: str) -> pd.DataFrame:
    """The newest of the rows of each key of table ``name``: a run's by its stored ``time``, then
    (on a tie, or in the other tables) the last in the order the parts were read, oldest first.
    Times stored in the rows hold where the files' modification times do not (a git checkout)."""
    if "time" in rows.columns:
        rows = rows.iloc[np.argsort(utc_times(rows["time"]).to_numpy(), kind="stable")]
    return rows.drop_duplicates(list(_TABLES[name][1]), keep="last").sort_index().reset_index(drop=True)


def utc_times(times: pd.Series) -> pd.Series:
    """Stored run times as UTC text, which sorts as time does: a time stamped in UTC (``...Z``) as it
    is, one of the local time older versions stamped (``2026-12-07T10:58:07``) read as this
    machine's local time (the one most likely to have written it) where both kinds are mixed, a
    missing one as ""."""
    times = _text(times)
    local = ~times.str.endswith("Z") & times.ne("")
    if not local.any() or local.all():  # one kind of stamp: their text sorts as their times do
        return times
    offset = pd.Timedelta(seconds=datetime.datetime.now().astimezone().utcoffset().total_seconds())
    stamped = pd.to_datetime(times[local], format="%Y-%m-%dT%H:%M:%S", errors="coerce") - offset
    return times.mask(local, stamped.dt.strftime("%Y-%m-%dT%H:%M:%SZ").fillna(times[local]))  # no time: as it is


def _read_part(part: Path, name: str) -> pd.DataFrame | None:
    """The complete rows of one part file, checked; None for a live part killed before its header.

    Raises FileNotFoundError if the part is gone, KnowledgeBaseError if it is corrupt or no readable file.
    """
    live = not part.name.endswith(".gz")
    data = _file_bytes(part)
    if live:
        complete = _complete_rows(data)
        if _ROW_END.search(data, len(complete)):  # more than the last row would go
            raise KnowledgeBaseError(f"corrupt knowledge-base file {part}: a quote left open before its last row")
        if not complete:
            return None
        data = complete
    try:  # an empty field is missing, as pandas writes it; a dataset named "NA" or "null" is a name
        frame = pd.read_csv(io.BytesIO(data), compression=None if live else "gzip", keep_default_na=False,
                            na_values=[""], dtype={"dataset_id": str, "config_id": str, "error": str, "params": str})
    except (OSError, EOFError, ValueError, UnicodeDecodeError, zlib.error, pd.errors.ParserError) as exc:
        raise KnowledgeBaseError(f"corrupt knowledge-base file {part}: {exc}") from None
    columns = _TABLES[name][0]
    missing = [c for c in columns if c not in frame.columns]
    if missing or _END not in frame.columns:
        raise KnowledgeBaseError(f"knowledge-base file {part} lacks columns {missing or [_END]}")
    if (frame[_END] != 1).any():
        raise KnowledgeBaseError(f"knowledge-base file {part} is truncated or corrupt")
    frame = frame.drop(columns=[_END])
    _check_values(frame, name, part)
    return frame


def _stat(path: Path) -> os.stat_result:
    """The status of ``path`` (of what a link names); FileNotFoundError if it is gone, a
    :class:`KnowledgeBaseError` naming it if it is a link to nothing or cannot be read."""
    try:
        return path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise KnowledgeBaseError(f"knowledge-base file {path} is a link to nothing") from None
        raise
    except OSError as exc:
        raise KnowledgeBaseError(f"cannot read knowledge-base file {path}: {exc}") from None


def _file_bytes(path: Path) -> bytes:
    """The bytes of ``path``, a regular file or a link to one; FileNotFoundError if it is gone, a
    :class:`KnowledgeBaseError` naming it if it is something else (a folder, a pipe, a device) or cannot be read."""
    if not stat.S_ISREG(_stat(path).st_mode):
        raise KnowledgeBaseError(f"knowledge-base file {path} is not a regular file")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise KnowledgeBaseError(f"cannot read knowledge-base file {path}: {exc}") from None


def _complete_rows(data: bytes) -> bytes:
    """``data`` (CSV) up to the end of its last complete row: a kill may have torn the last row anywhere.

    A row ends at a newline outside quotes, i.e. after an even number of quote characters (CSV
    doubles a quote inside a quoted field; a UTF-8 byte of a longer character is never a quote).
    """
    quotes, end = data.count(b'"'), len(data)
    while (newline := data.rfind(b"\n", 0, end)) >= 0:
        quotes -= data.count(b'"', newline, end)
        if quotes % 2 == 0:
            return data[: newline + 1]
        end = newline
    return b""


_CHOICES: dict[str, dict[str, tuple[str, ...]]] = {
    "datasets": {"task": TASKS}, "runs": {"status": tuple(sorted({*SCORED, "failed", "timeout"}))}}
"""The values each text column that takes one of a few may take (a typo would drop its row from every use)."""


def _check_values(frame: pd.DataFrame, name: str, part: Path) -> None:
    """Raise KnowledgeBaseError naming ``part``, the column and the row of the first bad value."""
    for column, allowed in _CHOICES.get(name, {}).items():
        bad = ~frame[column].isin(allowed).to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise KnowledgeBaseError(f"knowledge-base file {part}: {column} in row {row + 1} is "
                                     f"{frame[column].iloc[row]!r}, not one of {', '.join(allowed)}")
    ranges = {**_NUMBER_RANGES[name], **{c: (-HUGE, HUGE) for c in frame.columns if c.startswith("mf_")}}
    for column, (low, high) in ranges.items():
        raw = frame[column]
        if pd.api.types.is_numeric_dtype(raw):
            values = raw.to_numpy(dtype=float)
            bad = (values < low) | (values > high)  # inf included, NaN not
        else:  # text among the numbers
            values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
            bad = (values < low) | (values > high) | (np.isnan(values) & raw.notna().to_numpy())
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            value = raw.iloc[row]
            shown = repr(value) if isinstance(value, str) else f"{float(value):g}"
            raise KnowledgeBaseError(f"knowledge-base file {part}: {column} in row {row + 1} is {shown}, "
                                     f"not a number in [{low:g}, {high:g}]")
    if name == "configurations":
        for row, (cid, text) in enumerate(zip(frame["config_id"], frame["params"])):
            try:
                params = json.loads(text)
            except (TypeError, ValueError):
                params = None
            if not isinstance(params, dict):
                raise KnowledgeBaseError(f"knowledge-base file {part}: params in row {row + 1} is not a JSON "
                                         f"object of parameters: {str(text)[:80]!r}")
            try:
                own = config_id(params)
            except (TypeError, ValueError, OverflowError):  # a value neither text nor a number a float holds
                own = None
            if own != cid:
                raise KnowledgeBaseError(f"knowledge-base file {part}: configuration {cid!r} in row {row + 1} has "
                                         f"params that are not its own: {str(text)[:80]!r}"
                                         + (f" (they are configuration {own!r})" if own else ""))


def _upsert(table: pd.DataFrame, rows: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    if not len(table):
        return rows.reset_index(drop=True)
    return pd.concat([table, rows], ignore_index=True).drop_duplicates(key, keep="last").reset_index(drop=True)


def _coerce_runs(runs: pd.DataFrame) -> pd.DataFrame:
    runs = runs.copy()
    for m in ALL_METRICS:
        runs[f"score_{m}"] = pd.to_numeric(runs[f"score_{m}"], errors="coerce").astype(float)
    for c in ("best_iteration", "fit_time", "total_time", "cv"):
        runs[c] = pd.to_numeric(runs[c], errors="coerce").astype(float)
    runs["error"] = _text(runs["error"])
    return runs


ZERO_SHOT_PART = "large"
"""Subfolder of a family's shipped knowledge base that only zero-shot recommendations read: for
LightGBM, versions of 15,402 to 50,000 rows of 30 datasets (docs/knowledge_base.md). With them the
zero-shot pick did better on dev data of that size, while tune's warm start and surrogate did worse,
so tune reads the rest alone (docs/benchmarks.md, "Knowledge base v3 under the hold-out's rounds")."""


def load_shipped(family: str = "lightgbm", zero_shot: bool = False) -> KnowledgeBase:
    """The knowledge base of ``family`` that ships with metahpo (each read once per process).

    The shipped folder holds LightGBM's; another family's, if one ships, is in a subfolder named
    for the family (``knowledge_base/linear``). With ``zero_shot``, the family's
    :data:`ZERO_SHOT_PART`, when one ships, is merged in.
    """
    return _shipped(family, bool(zero_shot))


@functools.lru_cache(maxsize=None)
def _shipped(family: str, zero_shot: bool) -> KnowledgeBase:
    if zero_shot:
        core = _shipped(family, False)
        part = _shipped_folder(family) / ZERO_SHOT_PART
        return core.merge(KnowledgeBase.load(part)) if (part / "manifest.json").exists() else core
    return KnowledgeBase.load(_shipped_folder(family))


def _shipped_folder(family: str) -> Path:
    for path in SHIPPED_PATHS:
        for folder in (path, path / family):
            if (folder / "manifest.json").exists() and read_manifest(folder)["family"] == family:
                return folder
    if not any((path / "manifest.json").exists() for path in SHIPPED_PATHS):
        raise KnowledgeBaseError(f"the shipped knowledge base is missing (looked in {SHIPPED_PATHS[0]}); "
                                 "reinstall metahpo")
    raise KnowledgeBaseError(f"no {family} knowledge base ships with metahpo: build one (metahpo kb build --family "
                             f"{family} ...) and pass its folder")


KnowledgeSource = KnowledgeBase | str | os.PathLike
"""A knowledge base as users name it: the object or its folder."""


def given(knowledge_base: KnowledgeSource | Iterable[KnowledgeSource] | None) -> dict[str, KnowledgeBase]:
    """The knowledge bases a user passed (one, or a sequence with one per family), by family.

    Folders are loaded; two knowledge bases of one family are a :class:`KnowledgeBaseError`.
    """
    if knowledge_base is None:
        return {}
    if isinstance(knowledge_base, (KnowledgeBase, str, os.PathLike)):
        knowledge_base = [knowledge_base]
    found: dict[str, KnowledgeBase] = {}
    for item in knowledge_base:
        kb = item if isinstance(item, KnowledgeBase) else _loaded(Path(item).resolve(), _files_stamp(Path(item)))
        if kb.family in found:
            raise KnowledgeBaseError(f"two {kb.family} knowledge bases given: pass at most one per family")
        found[kb.family] = kb
    return found


@functools.lru_cache(maxsize=4)
def _loaded(folder: Path, stamp: tuple) -> KnowledgeBase:
    """:meth:`KnowledgeBase.load`, read again only when a file of the folder changed (``stamp``): an
    estimator fitted again, or cloned for each fold of a cross-validation, names the same folder each
    time, and its one object keeps the recommenders fitted on it."""
    return KnowledgeBase.load(folder)


def _files_stamp(folder: Path) -> tuple:
    """The name, size and modification time of the manifest and of every part of the tables: what a
    write to the knowledge base in ``folder`` changes. One never seen before if a file could not be
    read (the folder being compacted, or no knowledge base: then the load says why)."""
    try:
        files = sorted([folder / "manifest.json", *(part for table in _TABLES for part in _parts(folder / table))])
        return tuple((str(f.relative_to(folder)), f.stat().st_size, f.stat().st_mtime_ns) for f in files)
    except (OSError, KnowledgeBaseError):
        return (uuid.uuid4().hex,)


def resolve(knowledge_base: KnowledgeSource | Iterable[KnowledgeSource] | None,
            family: str | None = None, *, zero_shot: bool = False) -> KnowledgeBase:
    """The knowledge base of ``family`` among those given (:func:`given`), or the shipped one of
    ``family`` (default LightGBM) when none is given, with its :data:`ZERO_SHOT_PART` if
    ``zero_shot``; given ones of other families only are a :class:`KnowledgeBaseError`, as is a
    family left unnamed among several."""
    found = given(knowledge_base)
    if not found:
        return load_shipped(family or "lightgbm", zero_shot)
    if family is None:
        if len(found) > 1:
            raise KnowledgeBaseError(f"knowledge bases of {' and '.join(found)} given: name the family")
        return next(iter(found.values()))
    if family not in found:
        raise KnowledgeBaseError(f"the knowledge base holds {' and '.join(found)} runs, not {family} ones")
    return found[family]


def of_families(knowledge_base: KnowledgeSource | Iterable[KnowledgeSource] | None,
                families: Iterable[str], *, zero_shot: bool = False) -> dict[str, KnowledgeBase]:
    """The knowledge base of each of ``families`` that has one: the one given (:func:`given`) for
    its family, the shipped one (with its :data:`ZERO_SHOT_PART` if ``zero_shot``) for every other."""
    found = given(knowledge_base)
    for family in families:
        if family not in found:
            with contextlib.suppress(KnowledgeBaseError):  # no knowledge of this family ships
                found[family] = load_shipped(family, zero_shot)
    return {family: found[family] for family in families if family in found}
