"""Recommend (and optionally tune) LightGBM configurations for many datasets in one go.

:func:`run_batch` takes the inputs ``metahpo kb build`` takes (PMLB folders, data files, ``.txt``
lists of ``path[,target]`` lines, ``openml:ID``) and folders of data files, and runs one joblib
task per dataset, so the active joblib backend (Dask's included) spreads them. Everything it
writes goes into one folder:

* ``params/<dataset_id>.json``: the LightGBM parameters of the top recommendation (or of the
  tuned best), written as soon as the dataset finishes;
* ``ensembles/<dataset_id>.json``, when tuned with an ensemble: its
  :class:`~metahpo.ensemble.EnsembleSpec` (members' parameters, weights, out-of-fold scores), from
  which ``metahpo.ensemble.build(EnsembleSpec(**json.load(fh)), task)`` rebuilds the model;
* ``results.jsonl``: one line per finished dataset, flushed at once, so a killed batch loses
  nothing finished; a re-run skips the datasets done with status ok and retries the failed ones (with
  their data and target as given now);
* ``results.csv`` and ``results.json``: one row per dataset, rewritten from ``results.jsonl``;
* ``report.html``: a self-contained summary page with inline plots;
* ``settings.json``: the settings of the run; once a dataset is done (status ok), the folder is only
  resumed with the same ones (a folder without one takes a run's new settings);
* ``.running.jsonl``: a :class:`~metahpo.parallel.Journal` of the datasets running in the batch's
  own process (``n_jobs=1`` on a local backend), so that one that kills the process (too big for
  memory, say) runs alone in a process of its own on the re-run, recorded as failed if it kills that
  too; after a run it holds only those, and is gone when there are none.

A dataset that cannot be used (unreadable, a single class, ...) is recorded as failed, with its
error, and the batch goes on. The largest datasets (by their files' size) start first, so that none
is left to run alone at the end, and the ETA is paced by their expected work (a power of their
size, of the rows kept under ``max_rows``) rather than by their count. Warnings raised while a dataset
is processed are shown by the batch's own process, each prefixed with the dataset's id, whether it ran
there, in a worker process or in a thread (a Dask worker's; there under Python's process-wide filters,
see ``_collected``).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import html
import io
import json
import math
import os
import sys
import threading
import time
import warnings
import zlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd
from joblib import delayed

from metahpo.build import NAMED_SCHEMES, Source, find_sources, fingerprint, read_target
from metahpo.ensemble import EnsembleSpec
from metahpo.evaluation import check_cv
from metahpo.exceptions import ConfigError, DataError
from metahpo.families import FAMILIES, get_family
from metahpo.files import atomic_write, locked
from metahpo.holdout import orders_by_holdout
from metahpo.knowledge_base import KnowledgeBase, of_families, resolve
from metahpo.parallel import Journal, WorkerDeath, run_jobs
from metahpo.progress import duration, eta_line, plural, to_stderr
from metahpo.recommendations import (AUTO_FAMILY, N_RECOMMENDED, WARM_START, check_rounds, check_strategy,
                                     knowledge_list, with_holdout_rounds)
from metahpo.spaces import config_id

RECORDS = "results.jsonl"
SETTINGS = "settings.json"
JOURNAL = ".running.jsonl"
LOCK = ".batch.lock"
"""Held by the batch writing to the folder, so that a second one is refused rather than run twice."""
CSV, JSON, REPORT, PARAMS, ENSEMBLES = "results.csv", "results.json", "report.html", "params", "ensembles"

TUNE_COLUMNS = ("cv_score", "n_trials")
ENSEMBLE_COLUMNS = ("ensemble_members", "ensemble_weights", "ensemble_oof_score", "single_best_oof_score")
COLUMNS = ("dataset_id", "source", "task", "n_rows", "n_features", "family", "metric", "config_id",
           "expected_normalized", "expected_value", "confidence", "nearest", *TUNE_COLUMNS, *ENSEMBLE_COLUMNS,
           "params", "seconds", "status", "error")
"""Columns of the results table; the tuning and ensemble ones only when some dataset has them."""

LEGEND = {
    "dataset_id": "the dataset's name in this batch (its params/ and ensembles/ files are named for it)",
    "source": "where it was read from",
    "task, n_rows, n_features": "as loaded (n_rows after --max-rows)",
    "family": "the model family of the configuration handed out",
    "metric": "what the knowledge base ranks by for the task (ROC AUC, log loss, R²)",
    "config_id": "the configuration's id in the knowledge base (lightgbm-defaults: LightGBM's defaults, "
                 "which the check preferred; with --tune, the tuned best's)",
    "expected_normalized": "where the configuration stood on similar knowledge-base datasets, 0 (worst of "
                           "the knowledge base's configurations there) to 1 (best); not the metric",
    "expected_value": "the metric the configuration scored on those similar datasets (a rough guide: "
                      "datasets differ in difficulty); empty when the dataset lies far from all of them",
    "confidence": "how close the dataset is to the knowledge base's, 0 to 1 (1: as close as they are to "
                  "each other)",
    "nearest": "the most similar knowledge-base dataset",
    "cv_score": "with --tune: the tuned best's cross-validated metric (tune's best_score)",
    "n_trials": "with --tune: the trials run",
    "ensemble_members, ensemble_weights": "with --ensemble: the ensemble's configurations and their weights",
    "ensemble_oof_score, single_best_oof_score": "with --ensemble: the metric of the ensemble's and of the "
                                                 "best trial's out-of-fold predictions, all folds pooled",
    "seconds": "the time the dataset took",
    "status, error": "ok, or failed and why",
}
"""What each column of the results table means, as the report's legend says it."""

OPTIONAL_COLUMNS = (*TUNE_COLUMNS, *ENSEMBLE_COLUMNS)
INT_COLUMNS = ("n_rows", "n_features", "n_trials", "ensemble_members")
JSON_COLUMNS = ("params", "ensemble_weights")
"""Columns whose values (a dict, a list) the table holds as JSON strings."""
RECORD_KEYS = ("dataset_id", "source", "status", "error", "seconds", "finished")
"""Keys every line of ``results.jsonl`` has; a line without them is not a record."""

ALL_ROWS = sys.maxsize
"""The row cap :meth:`Source.load` gets when ``max_rows`` is None: every row is kept."""

PLOT_MIN_SPAN = 0.01
"""The least of the metric the tuning plot's y axis spans, so that a gain of 3e-05 looks as small as it is."""


@dataclass(frozen=True)
class Settings:
    """What decides a dataset's result; a batch folder is only resumed with the same settings.

    ``knowledge_base`` is the knowledge base's identity: its folder's resolved path, ``"shipped"``,
    or ``"in-memory"`` for a :class:`KnowledgeBase` object (which has no identity to compare).
    """

    n: int
    tune_trials: int
    ensemble: int | None
    strategy: str
    cv: int
    max_rows: int | None
    target: str | None
    knowledge_base: str
    family: str = "lightgbm"
    rounds: str = "recommended"
    warm_start: int = WARM_START
    """Recommended configurations a tuned search starts with (until 7 December 2026: ``min(n, tune_trials)``)."""

    def __post_init__(self) -> None:
        # numpy integers (a loop over an array) become ints: settings.json and messages show 3, not np.int64(3)
        for name in ("n", "tune_trials", "ensemble", "cv", "max_rows"):
            value = getattr(self, name)
            if isinstance(value, np.integer):
                object.__setattr__(self, name, int(value))

    def check(self) -> None:
        """Raise :class:`ConfigError` on a value that would fail every dataset."""
        check_strategy(self.strategy)
        check_rounds(self.rounds)
        if self.family != AUTO_FAMILY:
            get_family(self.family)
        if self.rounds == "holdout" and self.family not in ("lightgbm", AUTO_FAMILY):
            raise ConfigError(f"rounds='holdout' finds LightGBM's n_estimators; the {self.family} family has none")
        if self.rounds == "holdout" and self.tune_trials:
            raise ConfigError("rounds='holdout' sets the rounds of the recommendation handed out; a tuned search "
                              "finds its own (early stopping in cross-validation): leave rounds='recommended'")
        if self.n < 1:
            raise ConfigError(f"n must be at least 1, got {self.n}")
        if self.tune_trials < 0:
            raise ConfigError(f"tune_trials must be 0 (no tuning) or more, got {self.tune_trials}")
        if self.ensemble is not None and (self.tune_trials == 0 or self.ensemble < 1):
            raise ConfigError("ensemble needs tuning (tune_trials > 0) and at least 1 member")
        if self.max_rows is not None and self.max_rows < 1:
            raise ConfigError(f"max_rows must be at least 1, got {self.max_rows}")
        check_cv(self.cv)


def run_batch(
    inputs: list[str],
    out: str | Path,
    *,
    target: str | None = None,
    n: int = N_RECOMMENDED,
    tune_trials: int = 0,
    ensemble: int | None = None,
    n_jobs: int = 1,
    knowledge_base: KnowledgeBase | str | Path | None = None,
    strategy: str = "auto",
    cv: int = 5,
    max_rows: int | None = None,
    family: str = "lightgbm",
    rounds: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Recommend configurations for every dataset of the inputs, resumably, into folder ``out``.

    Parameters
    ----------
    inputs : list of str
        PMLB collection or dataset folders, folders of data files, data files, ``.txt`` lists of
        ``path[,target]`` lines, ``openml:ID`` (see :func:`metahpo.build.find_sources`).
    out : str or Path
        Output folder; created if absent, resumed if it holds a batch run with the same settings
        (every argument below but ``n_jobs`` and ``progress``, those that act on its results; the
        knowledge base by its folder), or one without a dataset done.
    target : str, optional
        Target column of data files (default: ``target``).
    n : int
        With ``rounds="holdout"``, on data of at least :data:`~metahpo.holdout.SELECT_MIN_ROWS` rows: how
        many recommended configurations are held out to choose the one handed out. Elsewhere it is the
        top recommendation, whatever ``n``.
    tune_trials : int
        With more than 0, a short :func:`metahpo.tune` per dataset, warm-started as ``tune`` is
        (:data:`~metahpo.recommendations.WARM_START` recommendations of its own, made with the
        ``"auto"`` strategy, whatever ``n``); its best parameters are kept.
    ensemble : int, optional
        Passed to :func:`metahpo.tune`; needs ``tune_trials > 0``.
    n_jobs : int
        Datasets processed in parallel through joblib (the active backend, e.g. Dask's, is used),
        the largest first.
    knowledge_base : KnowledgeBase or path, optional
        Default: the shipped one.
    strategy : {"auto", "nearest", "portfolio", "surrogate"}
        Recommendation strategy (of no effect with tuning, whose warm start is ``tune``'s own).
    cv : int
        Cross-validation folds of the tuning.
    max_rows : int, optional
        Cap on rows per dataset (seeded, stratified subsample); default: every row.
    family : {"lightgbm", "linear", "auto"}
        The model family, or per dataset the one that did best on similar datasets.
    rounds : {"holdout", "recommended"}, optional
        Where the LightGBM parameters' ``n_estimators`` come from without tuning: the dataset
        (:func:`~metahpo.holdout.holdout_rounds`, one fit per dataset, or on data of at
        least :data:`~metahpo.holdout.SELECT_MIN_ROWS` rows one per configuration, the top
        one then the best on the hold-out, as :func:`~metahpo.recommend` orders them; the default
        for LightGBM), or the knowledge base (the default with tuning, whose search finds its own,
        and for other families).
    progress : callable, optional
        Receives a line saying how many datasets will run, then one, with counts and an ETA (paced
        by the datasets' expected work, see :func:`expected_work`), per finished dataset (default: stderr).

    Returns
    -------
    pandas.DataFrame
        The results table of the inputs' datasets (``results.csv`` holds every dataset of the
        folder), sorted by id; its ``status`` ("ok" or "failed") and ``error`` columns say which
        failed and why.

    Raises
    ------
    DataError
        If an input does not exist or the inputs hold no dataset.
    ConfigError
        On a bad setting, or if ``out`` holds a batch run with other settings, or results of
        other data under an input's dataset name.
    """
    ref = _reference(knowledge_base)
    if rounds is None:
        rounds = "holdout" if not tune_trials and family in ("lightgbm", AUTO_FAMILY) else "recommended"
    settings = Settings(n, tune_trials, ensemble, strategy, cv, max_rows, target, _identity(ref), family, rounds)
    settings.check()
    out = Path(out)
    written = {_where(out / name) for name in (CSV, JSON, REPORT, RECORDS, SETTINGS)}
    sources = [s for s in find_sources(inputs, target) if _where(s.spec) not in written]  # out inside an input
    if not sources:
        raise DataError(f"no dataset found in {', '.join(map(str, inputs))}")
    kb = next(iter(_knowledge(ref, family)[1].values()))  # also: a family without a knowledge base fails here
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} is a file: the output is a folder (of results, parameters and a report)")
    out.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(locked(out / LOCK, wait=False))
        except BlockingIOError:
            raise ConfigError(f"another batch is writing to {out}: wait for it to end, or use another folder") from None
        _claim(out, settings)  # under the lock: two batches started at once cannot both write their settings
        return _run_claimed(out, sources, ref, settings, n_jobs, progress or to_stderr, kb)


def _run_claimed(out: Path, sources: list[Source], ref: KnowledgeBaseRef, settings: Settings, n_jobs: int,
                 log: Callable[[str], None], kb: KnowledgeBase) -> pd.DataFrame:
    """:func:`run_batch` in its claimed, locked folder: the datasets not done yet, then the results."""
    had = read_records(out / RECORDS)
    done = {i for i, r in had.items() if r["status"] == "ok"}
    given = {s.dataset_id: _given(s) for s in sources if s.dataset_id in done}  # a failed one runs again, on any data
    clashes = [f"{i!r} was {_described(had[i])}, now {_described(now)}"
               + (" (the same file, its data changed)" if _described(had[i]) == _described(now) else "")
               for i, now in given.items() if not _same_data(had[i], now)]
    if clashes:
        raise ConfigError(f"{out} holds results of other data under the same name ({'; '.join(clashes[:3])}"
                          f"{'; ...' if len(clashes) > 3 else ''}): use another output folder")
    todo = [s for s in sources if s.dataset_id not in done]
    skipped = len(sources) - len(todo)
    log(f"batch: {skipped} of {plural(len(sources), 'dataset')} already done, {len(todo)} to run" if skipped
        else f"batch: {plural(len(todo), 'dataset')} to run")  # before the first (largest) dataset ends
    (out / PARAMS).mkdir(exist_ok=True)
    try:
        with open(out / RECORDS, "a") as stream:
            for record in _run(todo, ref, settings, n_jobs, log, Journal(out / JOURNAL)):
                _save(out, record, stream)
    finally:  # Ctrl-C included: the tables hold every dataset finished
        table = _write_tables(out, kb)
    ours = {s.dataset_id for s in sources}  # the folder may hold earlier inputs' rows too
    return table[table["dataset_id"].isin(ours)].reset_index(drop=True)


def _write_tables(out: Path, kb: Any) -> pd.DataFrame:
    """Write ``results.csv``, ``results.json`` and ``report.html`` of every record in ``out``, each
    replaced whole (a kill while writing leaves the last complete one, never a cut one); return the table."""
    records = sorted(read_records(out / RECORDS).values(), key=lambda r: r["dataset_id"])
    table = results_table(records)
    atomic_write(out / CSV, table.to_csv(index=False).encode())
    atomic_write(out / JSON, json.dumps([{c: r.get(c) for c in table.columns} for r in records], indent=2).encode())
    atomic_write(out / REPORT, render_report(records, table, kb).encode())
    return table


def _given(source: Source) -> dict[str, Any]:
    """What a record keeps of how its dataset was given: where it is, its target and task as named,
    and its data's :func:`~metahpo.build.fingerprint` (None for a named dataset)."""
    return {"source": source.spec, "path": _where(source.spec), "target": source.target, "given_task": source.task,
            "fingerprint": fingerprint(source.spec)}


def _same_data(record: dict[str, Any], given: dict[str, Any]) -> bool:
    """Whether ``record`` is of the data ``given`` names: the same place (a record from before "path"
    was kept: its source), the same target and task as given (where the record keeps them; read as
    :func:`~metahpo.build.read_target` reads them), and the same bytes (where both have a fingerprint)."""
    where = record.get("path", _where(record["source"]))
    same_target = "target" not in record or (read_target(where, record["target"])
                                             == read_target(given["path"], given["target"]))
    same_task = record.get("given_task", given["given_task"]) == given["given_task"]
    same_bytes = None in (record.get("fingerprint"), given["fingerprint"]) or (
        record["fingerprint"] == given["fingerprint"])
    return where == given["path"] and same_target and same_task and same_bytes


def _described(given: dict[str, Any]) -> str:
    """A record's data in words: its source, and its target and task where they were named."""
    named = [f"{key.removeprefix('given_')} {given[key]}" for key in ("target", "given_task") if given.get(key)]
    return given["source"] + (f" ({', '.join(named)})" if named else "")


def _where(spec: str | Path) -> str:
    """Where a dataset comes from, the same whatever the working folder: a path made absolute, a
    named dataset (``openml:31``) as it is."""
    return str(spec) if str(spec).startswith(NAMED_SCHEMES) else os.path.abspath(spec)


# ---------------------------------------------------------------------- one dataset (worker side)


KnowledgeBaseRef = KnowledgeBase | str | None
"""What a worker is handed: a folder (or None, the shipped KB), which it loads once and keeps with
its fitted recommenders across tasks, or a KnowledgeBase object, which travels with every task."""


def _reference(knowledge_base: KnowledgeBase | str | Path | None) -> KnowledgeBaseRef:
    """The reference workers get: the object, None, or the folder's resolved path (wherever they run)."""
    if knowledge_base is None or isinstance(knowledge_base, KnowledgeBase):
        return knowledge_base
    return str(Path(knowledge_base).resolve())


def _identity(ref: KnowledgeBaseRef) -> str:
    """The knowledge base's identity in :class:`Settings`."""
    if ref is None:
        return "shipped"
    return "in-memory" if isinstance(ref, KnowledgeBase) else ref


Knowledge = tuple[KnowledgeBase | None, dict[str, KnowledgeBase]]
"""The user's knowledge base (None for the shipped ones), and the knowledge base of the family
asked for (with ``"auto"``, of every family that has one: the user's for its family)."""


def _knowledge(knowledge_base: KnowledgeBaseRef, family: str) -> Knowledge:
    if isinstance(knowledge_base, KnowledgeBase):
        return _of_families(knowledge_base, family)
    return _load(knowledge_base, family)


@functools.lru_cache(maxsize=2)
def _load(folder: str | None, family: str) -> Knowledge:
    return _of_families(folder, family)


def _of_families(knowledge_base: KnowledgeBase | str | None, family: str) -> Knowledge:
    given = None if knowledge_base is None else resolve(knowledge_base)
    if family == AUTO_FAMILY:
        return given, of_families(given, FAMILIES)
    return given, {family: resolve(given, family)}


def process(source: Source, knowledge_base: KnowledgeBaseRef, settings: Settings) -> dict[str, Any]:
    """One dataset's record; a failure is recorded in it, not raised.

    Returns
    -------
    dict
        The results columns known so far (``status`` and ``error`` always), plus ``metafeatures``
        (name -> value), when tuned ``trace`` (best score after each trial), with an ensemble
        ``ensemble`` (the :class:`~metahpo.ensemble.EnsembleSpec` as a dict), and ``warnings``: the
        (category, message) of each warning shown while it ran, for the batch's process to show.
    """
    start = time.perf_counter()
    record: dict[str, Any] = {"dataset_id": source.dataset_id, **_given(source)}
    with _collected() as caught:
        try:
            _analyse(source, _knowledge(knowledge_base, settings.family)[0], settings, record)
            record.update(status="ok", error="")
        except Exception as exc:  # a broken dataset is recorded and the batch goes on
            record.update(status="failed", error=f"{type(exc).__name__}: {exc}"[:500])
    record.update(seconds=time.perf_counter() - start, warnings=[(w.category, str(w.message)) for w in caught])
    return record


@contextlib.contextmanager
def _collected() -> Iterator[list[warnings.WarningMessage]]:
    """The warnings shown in the block, collected instead. In a process's main thread (the batch's
    own, a worker process's) by :class:`warnings.catch_warnings`; it is process-wide, so in other
    threads (a Dask worker's, a thread pool's, side by side) by :func:`_thread_hook`, which takes
    the warnings of the threads collecting and shows the others as before. Python's filters stay
    process-wide there: a warning raised while another thread ignores its kind (as meta-feature
    extraction ignores NumPy's RuntimeWarnings), or shown again by the batch meanwhile, is lost, and
    one shown before from the same place and with the same text is not shown again, as Python does
    outside a batch."""
    if threading.current_thread() is threading.main_thread():
        with warnings.catch_warnings(record=True) as caught:
            yield caught
        return
    caught: list[warnings.WarningMessage] = []
    _thread_hook()
    _COLLECTING.caught = caught
    try:
        yield caught
    finally:
        _COLLECTING.caught = None


_COLLECTING = threading.local()
"""``caught``: the list a thread's :func:`_collected` block collects its warnings into (None outside one)."""
_HOOK_LOCK = threading.Lock()


def _thread_hook() -> None:
    """Make :func:`warnings.showwarning` hand a warning to the thread's :func:`_collected` list, if the
    thread is collecting, and show it as the hook it replaces did otherwise. Installed once per
    process, and again if something (a ``catch_warnings`` ending) put another hook back."""
    with _HOOK_LOCK:
        shown = warnings.showwarning
        if getattr(shown, "collects_threads", False):
            return

        def showwarning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                        file: TextIO | None = None, line: str | None = None) -> None:
            caught = getattr(_COLLECTING, "caught", None)
            if caught is None:
                shown(message, category, filename, lineno, file, line)
            else:
                caught.append(warnings.WarningMessage(message, category, filename, lineno, file, line))

        showwarning.collects_threads = True  # type: ignore[attr-defined]
        warnings.showwarning = showwarning


def _shown(record: dict[str, Any]) -> None:
    """Show the warnings a dataset's processing collected, each prefixed with its id; one that the
    filters here make an error fails the dataset, as it would have had it been processed here."""
    for category, message in record.pop("warnings", ()):
        try:
            warnings.warn(f"{record['dataset_id']}: {message}", category)
        except Warning as exc:
            record.update(status="failed", error=f"{type(exc).__name__}: {message}"[:500])
            return


def _analyse(source: Source, given: KnowledgeBase | None, settings: Settings, record: dict[str, Any]) -> None:
    """Fill ``record`` step by step, so a failure keeps what was learnt before it; ``given`` is the
    user's knowledge base (None: the shipped ones)."""
    from metahpo import metafeatures
    from metahpo.tuning import tune

    dataset = source.load(ALL_ROWS if settings.max_rows is None else settings.max_rows)
    record.update(task=dataset.task, n_rows=dataset.n_rows, n_features=dataset.n_features)
    mf = metafeatures.extract(dataset)
    rec = knowledge_list(dataset, mf, given, family=settings.family, strategy=settings.strategy, n=settings.n)
    family = rec.family
    if settings.rounds == "holdout":  # the top configuration's rounds, or on large data the list ordered, as recommend
        rec = with_holdout_rounds(rec, dataset, n=1)
    top = rec.configs[0]
    record.update(family=family, metric=rec.metric, config_id=top.config_id,
                  expected_normalized=_finite(top.expected_normalized),
                  expected_value=_finite(top.expected_value), confidence=_finite(rec.confidence),
                  nearest=str(rec.neighbors.index[0]), params=top.params,
                  metafeatures={k: _finite(v) for k, v in mf.items()})
    if settings.tune_trials:
        result = tune(dataset, n_trials=settings.tune_trials, warm_start=settings.warm_start,
                      ensemble=settings.ensemble, family=settings.family,
                      knowledge_base=given, cv=settings.cv,
                      random_state=0, verbose=False)
        if result.interrupted:  # a search cut short is not this dataset's result: stop, and a resume redoes it
            raise KeyboardInterrupt
        # the row describes the tuned best: the zero-shot pick's id and expectations are not its own
        record.update(family=result.family, metric=result.metric,
                      config_id=config_id(result.study.best_trial.config), expected_normalized=None,
                      expected_value=None, cv_score=_finite(result.best_score),
                      n_trials=len(result.trials), params=result.best_params, trace=_best_so_far(result.trials))
        if result.ensemble is not None:
            record.update(_ensemble_columns(result.ensemble))


def _ensemble_columns(spec: EnsembleSpec) -> dict[str, Any]:
    """The ensemble's results columns (weights rounded, to read), and the whole spec (JSON-ready)
    under ``ensemble``."""
    oof, best = _finite(spec.oof_score), _finite(spec.single_best_oof_score)
    return {"ensemble_members": len(spec.members), "ensemble_weights": [round(w, 3) for w in spec.weights],
            "ensemble_oof_score": oof, "single_best_oof_score": best,
            "ensemble": {**asdict(spec), "oof_score": oof, "single_best_oof_score": best}}


def _best_so_far(trials: pd.DataFrame) -> list[float | None]:
    """The best score reached after each trial (None before the first success)."""
    scores = trials["score"].where(trials["status"] == "ok").cummax().ffill()
    return [_finite(s) for s in scores]


def _finite(value: Any) -> float | None:
    """A JSON-ready float: None for NaN, infinite or missing."""
    return float(value) if value is not None and math.isfinite(value) else None


# ---------------------------------------------------------------------- coordinator


def _run(sources: list[Source], kb: KnowledgeBaseRef, settings: Settings, n_jobs: int,
         log: Callable[[str], None], journal: Journal) -> Iterator[dict[str, Any]]:
    """Process the datasets through joblib, the largest first, yielding records as they finish,
    with a progress line whose ETA is paced by the datasets' expected work (:func:`expected_work`),
    and the warnings each raised, prefixed with its id. Those a killed run was running in its own
    process (``journal``) run first, each alone."""
    work = dict(zip((s.dataset_id for s in sources), expected_work(_sizes(sources, settings.max_rows))))
    start, failed, done_work, total_work = time.monotonic(), 0, 0.0, sum(work.values())
    ok_seconds = failed_seconds = 0.0
    ordered = sorted(sources, key=lambda s: -work[s.dataset_id])
    jobs = [delayed(process)(s, kb, settings) for s in ordered]
    keys = [s.dataset_id for s in ordered]
    _thread_hook()  # before any thread of a pool runs, so that no catch_warnings of theirs restores what it replaced
    for done, (i, record) in enumerate(run_jobs(jobs, n_jobs, unordered=True, journal=journal, keys=keys), 1):
        if isinstance(record, WorkerDeath):  # the dataset kills its worker (too big for memory, say): failed
            record = {"dataset_id": ordered[i].dataset_id, "source": ordered[i].spec, "status": "failed",
                      "error": f"WorkerDeath: {record}", "seconds": None}
        _shown(record)  # here, in metahpo's format, whatever ran it
        ok = record["status"] == "ok"
        failed += not ok
        seconds = record["seconds"]  # None: a worker's death, not timed
        if ok:
            done_work += work[record["dataset_id"]]
            ok_seconds += seconds
        else:  # its work is not done, but its time was spent
            total_work -= work[record["dataset_id"]]
            failed_seconds += seconds or 0.0
        yield record  # saved before it is announced: a Ctrl-C between loses no dataset said to be done
        # the failed datasets' time counts as the work the ok ones did in as long: one failed at once adds
        # none, one failed after an hour the work of an hour rather than an hour of none (an ETA twice too long)
        spent = done_work * failed_seconds / ok_seconds if ok_seconds else 0.0
        line = eta_line(done, len(sources), time.monotonic() - start, work=(done_work + spent, total_work + spent))
        took = duration(math.nan if seconds is None else seconds)
        log(f"batch: {record['dataset_id']} {record['status']} in {took}; {line} ({failed} failed)")


WORK_EXPONENT = 0.8
"""A dataset's seconds grow as its bytes on disk to this power: the log-log slope of seconds on size
in recorded batches of the PMLB (0.76) and real-world (0.89) corpora (docs/benchmarks.md, "batch's
ETA")."""


def expected_work(sizes: list[float]) -> list[float]:
    """Each dataset's expected share of a batch's work, from its bytes on disk (:func:`_sizes`):
    ``size ** WORK_EXPONENT``, so that a small dataset's fixed costs (reading, meta-features,
    recommending) weigh more than its bytes."""
    return [float(size) ** WORK_EXPONENT for size in sizes]


def _sizes(sources: list[Source], max_rows: int | None = None) -> list[float]:
    """Each source's bytes on disk (a folder's files summed), a rough measure of the work it is; with a
    cap on rows (``max_rows``, or the source's own), the share of them its rows kept take (the rows
    estimated by :func:`_rows`); sources without a local file (``openml:``, ``sklearn:``) count as the
    median of the others."""
    sizes = []
    for source in sources:
        path = Path(source.spec)
        files = [f for f in path.rglob("*") if f.is_file()] if path.is_dir() else [path] if path.is_file() else []
        size = float(sum(f.stat().st_size for f in files)) if files else math.nan
        cap = source.max_rows or max_rows
        if files and cap is not None:  # a PMLB folder's rows are its data file's
            rows = _rows(path / f"{path.name}.tsv.gz" if path.is_dir() else path)
            size *= min(1.0, cap / rows) if rows > 0 else 1.0
        sizes.append(size)
    known = [v for v in sizes if not math.isnan(v)]
    fill = float(np.median(known)) if known else 1.0
    return [fill if math.isnan(v) else max(v, 1.0) for v in sizes]


HEAD_BYTES = 1 << 16
"""The bytes of a text file :func:`_rows` reads to estimate its rows."""


def _rows(path: Path) -> float:
    """A data file's rows, cheaply: a Parquet file's from its metadata, a text file's estimated from the
    line breaks in its first :data:`HEAD_BYTES` (of a gzipped one, in what they decompress to, member
    after member); NaN if it is compressed otherwise or cannot be read (its loading says why)."""
    suffixes = [s.lower() for s in path.suffixes]
    try:
        if ".parquet" in suffixes:
            import pyarrow.parquet as pq

            return float(pq.ParquetFile(path).metadata.num_rows)
        if suffixes[-1:] in ([".bz2"], [".zip"], [".xz"], [".zst"], [".tar"]):
            return math.nan
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
        text, rest = (b"", head) if suffixes[-1:] == [".gz"] else (head, b"")
        while rest and len(text) < 64 * HEAD_BYTES:  # a gzip stream cut short, of one member or several
            inflate = zlib.decompressobj(wbits=31)
            text += inflate.decompress(rest, 64 * HEAD_BYTES - len(text))
            rest = inflate.unused_data or inflate.unconsumed_tail  # the next member, or what the limit left
        read = len(head) - len(rest)
        return text.count(b"\n") / max(read, 1) * path.stat().st_size
    except (OSError, ValueError, ImportError, zlib.error):
        return math.nan


def _save(out: Path, record: dict[str, Any], stream: TextIO) -> None:
    """Write the dataset's parameters files, then its line of ``results.jsonl`` (flushed)."""
    record["finished"] = time.time()
    if record["status"] == "ok":
        atomic_write(out / PARAMS / f"{record['dataset_id']}.json", json.dumps(record["params"], indent=2).encode())
        if "ensemble" in record:
            (out / ENSEMBLES).mkdir(exist_ok=True)  # a folder of their own: no dataset's name can clash with them
            spec = json.dumps(record["ensemble"], indent=2).encode()
            atomic_write(out / ENSEMBLES / f"{record['dataset_id']}.json", spec)
    stream.write(json.dumps(record) + "\n")
    stream.flush()


def _claim(out: Path, settings: Settings) -> None:
    """Write the settings into the batch folder, or check that the batch run it holds used the same; they
    bind once a dataset is done (a failed one runs again, so a folder without one takes the new settings)."""
    wanted = asdict(settings)
    done = any(r["status"] == "ok" for r in read_records(out / RECORDS).values())
    had = _read_settings(out) if done else None
    if had is not None:  # the defaults of runs from before these settings
        had = {"family": "lightgbm", "rounds": "recommended",
               "warm_start": min(had.get("n", N_RECOMMENDED), had.get("tune_trials") or 0), **had}
    if had is None:
        atomic_write(out / SETTINGS, json.dumps(wanted, indent=2).encode())
    elif _acting(had) != _acting(wanted):
        had, wanted = _acting(had), _acting(wanted)
        keys = dict.fromkeys([*wanted, *had])  # a key only one of them has differs too
        diff = ", ".join(f"{k} {had.get(k)!r} (now {wanted.get(k)!r})" for k in keys if had.get(k) != wanted.get(k))
        raise ConfigError(f"{out} holds a batch run with other settings: {diff}; resume it with the settings "
                          f"it was run with, or use another output folder")


def _acting(settings: dict[str, Any]) -> dict[str, Any]:
    """Settings as they act on the results: a data file's target unnamed is its column ``target``;
    without tuning, the folds, ensemble and warm start of a search play no part; with it, the strategy
    plays none (the row keeps the tuned best and the recommendation's confidence and nearest dataset,
    which it does not change); and ``n`` acts only where hold-outs order the list (:func:`_analyse`),
    since the top of a strategy's list is the same however long it is."""
    acting = {**settings, "target": settings.get("target") or "target"}
    if settings.get("tune_trials"):
        acting.update(strategy=None)
    else:
        acting.update(cv=None, ensemble=None, warm_start=None)
    max_rows = settings.get("max_rows")
    if settings.get("rounds") != "holdout" or (max_rows is not None and not orders_by_holdout(max_rows)):
        acting.update(n=None)  # tuning's rounds are always "recommended"
    return acting


def _read_settings(out: Path) -> dict[str, Any] | None:
    """The settings of the batch run in ``out``, which holds a dataset done; None if it has none.

    (One without a dataset done is not read: its settings, torn by a kill during their first write by a
    version that did not write them atomically, say, are written anew.)

    Raises
    ------
    ConfigError
        If ``settings.json`` is invalid.
    """
    path = out / SETTINGS
    if not path.exists():
        return None
    try:
        had = json.loads(path.read_bytes())
    except ValueError:  # not JSON, or not UTF-8
        had = None
    if not isinstance(had, dict):
        raise ConfigError(f"{path} is empty or corrupt, so the batch run in {out} cannot be resumed; "
                          f"use another output folder")
    return had


def read_records(path: Path) -> dict[str, dict[str, Any]]:
    """The latest record of each dataset in a ``results.jsonl``.

    A torn last line (the batch was killed while writing it) is cut off the file, so that the
    next record starts on a line of its own; any line that is not a record (invalid JSON, or JSON
    without the :data:`RECORD_KEYS`) is ignored.
    """
    if not path.exists():
        return {}
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data):
        with open(path, "r+b") as fh:
            fh.truncate(end)
    records = {}
    for line in data[:end].splitlines():
        record = _parse_record(line)
        if record is not None:
            records[record["dataset_id"]] = record
    return records


def _parse_record(line: bytes) -> dict[str, Any] | None:
    """The record on a line of ``results.jsonl``, or None if it holds none."""
    try:
        record = json.loads(line)
    except ValueError:  # not JSON, or not UTF-8
        return None
    is_record = isinstance(record, dict) and all(k in record for k in RECORD_KEYS)
    return record if is_record and isinstance(record["dataset_id"], str) else None


def results_table(records: list[dict[str, Any]]) -> pd.DataFrame:
    """The results table: one row per record, parameters and ensemble weights as JSON strings."""
    columns = [c for c in COLUMNS if c not in OPTIONAL_COLUMNS or any(c in r for r in records)]
    rows = [{**r, **{c: json.dumps(r[c]) for c in JSON_COLUMNS if c in r}} for r in records]
    table = pd.DataFrame(rows).reindex(columns=columns)
    return table.astype({c: "Int64" for c in INT_COLUMNS if c in columns})


# ---------------------------------------------------------------------- report


def _legend(table: pd.DataFrame) -> str:
    """The :data:`LEGEND` of the columns ``table`` shows."""
    shown = [(names, meaning) for names, meaning in LEGEND.items()
             if any(name in table.columns for name in names.split(", "))]
    return "<dl>" + "".join(f"<dt><b>{html.escape(n)}</b></dt><dd>{html.escape(m)}</dd>" for n, m in shown) + "</dl>"


def render_report(records: list[dict[str, Any]], table: pd.DataFrame, kb: KnowledgeBase) -> str:
    """A self-contained HTML page: summary, results table, and inline PNG plots."""
    tuned = [r for r in records if r.get("trace")]
    sections = [
        "<h2>Summary</h2>", _summary(records, table),
        "<h2>Results</h2>", _html_table(table.drop(columns="params")), _legend(table),
        "<h2>Where the datasets sit among the knowledge-base datasets</h2>",
        "<p>A map of every task's datasets on their meta-features, unweighted: a picture of where the data lie, "
        "not the distance behind <i>confidence</i> and <i>nearest</i>, which is measured among one task's datasets "
        "with learned weights per meta-feature.</p>", _plot_html(_map_figure, records, kb),
    ]
    if tuned:
        sections += ["<h2>Tuning</h2>", _plot_html(_tuning_figure, tuned)]
    style = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:small}"
             "td,th{border:1px solid #ccc;padding:2px 6px}")
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>metahpo batch report</title>"
            f"<style>{style}</style></head><body><h1>metahpo batch report</h1>\n"
            + "\n".join(sections) + "\n</body></html>\n")


def _html_table(table: pd.DataFrame) -> str:
    """The table as HTML, one header row, missing values (integer ones too) as empty cells."""
    ints = [c for c in table.columns if isinstance(table[c].dtype, pd.Int64Dtype)]
    shown = table.astype({c: "string" for c in ints}).fillna({c: "" for c in ints})
    return shown.to_html(index=False, na_rep="", float_format="{:.4g}".format)


def _busy(starts: np.ndarray, ends: np.ndarray) -> float:
    """Seconds covered by the intervals ``[starts[i], ends[i]]``: the wall-clock time some dataset
    was running, over every run that resumed a folder, without the hours between them."""
    total, reach = 0.0, -np.inf
    for start, end in sorted(zip(starts, ends)):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return float(total)


def _summary(records: list[dict[str, Any]], table: pd.DataFrame) -> str:
    seconds = table["seconds"].sum()
    finished = np.array([r["finished"] for r in records])
    span = _busy(finished - table["seconds"].to_numpy(), finished)
    tasks = table["task"].astype(object).fillna("unknown")  # floats, all NaN, when every dataset failed unread
    counts = pd.crosstab(tasks, table["status"], margins=True, margins_name="total")
    ok = int((table["status"] == "ok").sum())
    ensembled = sum("ensemble" in r for r in records)
    ensembles = (f" Ensembles for {plural(ensembled, 'dataset')}: members' parameters and weights in "
                 f"{ENSEMBLES}/&lt;dataset_id&gt;.json, out-of-fold scores (ensemble, single best) in "
                 f"the results." if ensembled else "")
    return (f"<p>{plural(len(table), 'dataset')}: {ok} ok, {len(table) - ok} failed. Compute time {seconds:.1f} s; "
            f"wall-clock time with a dataset running {span:.1f} s (the runs that resumed this folder, without "
            f"the time between them)" + (f"; throughput {len(table) / span * 60:.1f} datasets/min" if span > 0 else "")
            + f".{ensembles}</p>"
            + _html_table(counts.rename_axis(columns=None).reset_index()))


def _plot_html(figure: Callable[..., Any], *args: Any) -> str:
    """An ``<img>`` of the figure as an inline base64 PNG, rendered by the Agg backend."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
    except ImportError:
        return "<p>Plots need matplotlib: pip install 'metahpo[plot]'.</p>"
    fig = figure(*args)
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img src="data:image/png;base64,{encoded}" alt="{html.escape(fig.get_label())}">'


def _map_figure(records: list[dict[str, Any]], kb: KnowledgeBase) -> Any:
    """The knowledge-base datasets (grey) and the batch's (labelled) on a 2-D PCA of the KB's
    meta-features, imputed with the medians and standardized."""
    from matplotlib.figure import Figure
    from sklearn.decomposition import PCA
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    fig = Figure(figsize=(7, 5.5), label="meta-feature map")
    ax = fig.subplots()
    known = kb.metafeatures().replace([np.inf, -np.inf], np.nan)
    placed = [r for r in records if r.get("metafeatures")]
    if len(known) < 3:
        ax.text(0.5, 0.5, "too few knowledge-base datasets for a map", ha="center", transform=ax.transAxes)
        return fig
    pca = make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler(),
                        PCA(2, random_state=0)).fit(known)
    kb_xy = pca.transform(known)
    ax.scatter(kb_xy[:, 0], kb_xy[:, 1], c="lightgrey", s=16, label=f"knowledge base ({len(known)})")
    if placed:
        batch_mf = pd.DataFrame([r["metafeatures"] for r in placed]).reindex(columns=known.columns).astype(float)
        xy = pca.transform(batch_mf)
        ax.scatter(xy[:, 0], xy[:, 1], c="tab:red", edgecolors="black", s=40, label=f"batch ({len(placed)})")
        for (x, y), r in zip(xy, placed):
            ax.annotate(r["dataset_id"], (x, y), xytext=(4, 4), textcoords="offset points", fontsize="small")
    explained = pca[-1].explained_variance_ratio_
    ax.set(xlabel=f"PC 1 ({explained[0]:.0%} of variance)", ylabel=f"PC 2 ({explained[1]:.0%} of variance)",
           title="datasets in meta-feature space")
    ax.legend(fontsize="small")
    return fig


def _tuning_figure(tuned: list[dict[str, Any]]) -> Any:
    """Best cross-validated score against trial, one line per dataset, one panel per metric; the
    y axis shows the scores themselves (no offset) over at least :data:`PLOT_MIN_SPAN`, and the
    title how far apart they are."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    metrics = sorted({r["metric"] for r in tuned})
    fig = Figure(figsize=(5 * len(metrics), 4), label="tuning curves")
    for ax, metric in zip(np.atleast_1d(fig.subplots(1, len(metrics))), metrics):
        scores = []
        for r in (r for r in tuned if r["metric"] == metric):
            trace = [np.nan if s is None else s for s in r["trace"]]
            ax.plot(np.arange(1, len(trace) + 1), trace, marker="o", label=r["dataset_id"])
            scores += trace
        low, high = (np.nanmin(scores), np.nanmax(scores)) if np.isfinite(scores).any() else (0.0, 0.0)
        ax.set(xlabel="trial", ylabel=f"best {metric}", title=f"{metric} (best scores span {high - low:.2g})")
        if high - low < PLOT_MIN_SPAN:
            middle = (low + high) / 2
            ax.set_ylim(middle - PLOT_MIN_SPAN / 2, middle + PLOT_MIN_SPAN / 2)
        ax.ticklabel_format(axis="y", style="plain", useOffset=False)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize="small")
    fig.tight_layout()
    return fig
