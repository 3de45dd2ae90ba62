"""Build a knowledge base from a collection of datasets: resumable, parallel, incremental.

Phases, as the strongest published portfolios (auto-sklearn 2.0, TabRepo) do:

1. **describe**: load every dataset (rows capped by a seeded, stratified subsample) and record its
   meta-features;
2. **explore**: per dataset, random configurations (seeded by the dataset, so datasets do not all
   see the same ones) and LightGBM's defaults, then local perturbations of the best found;
3. **search** (optional, ``n_search`` trials): per dataset, Bayesian optimization continued from that
   dataset's own explored results, so that its best, a pool candidate, comes from a search rather
   than from a few random draws;
4. **cross-evaluate**: a pool of strong, diverse configurations (each dataset's best plus the
   defaults, thinned by farthest-point selection in the unit cube) evaluated on every dataset, block
   by block, so that the matrix is dense over a growing prefix of the pool at every moment.

Every evaluation is a small task run through joblib (any joblib backend, Dask's included); the
coordinating process appends each result to the knowledge base as soon as it arrives. Kill the build
at any time and start it again: finished evaluations are read back and skipped.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import itertools
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from joblib import delayed, parallel_config

from metahpo import knowledge_base as kbm
from metahpo.datasets import (MANIFEST, Dataset, ManifestEntry, check_columns, load, load_entry, load_pmlb,
                              read_manifest, stem)
from metahpo.evaluation import METRICS, Evaluation, evaluate, make_folds, timeout_given
from metahpo.exceptions import ConfigError, DataError, DataWarning, KnowledgeBaseError, warn
from metahpo.families import ModelFamily, get_family
from metahpo.families.lightgbm import MIN_PATIENCE, PATIENCE_LR, constructor_defaults, parameter_names
from metahpo.parallel import Journal, WorkerDeath, run_jobs
from metahpo.progress import eta_line, plural, preview, to_stderr
from metahpo.spaces import LIGHTGBM, Config, SearchSpace, config_id, early_stopped

CHUNK = 4
"""Evaluations per task: small, so that a kill loses little and the progress line moves."""

SEARCH_CHUNK = 4
"""Search trials per task: a dataset's search goes on in tasks of this many trials, each continuing
from every result recorded so far (a kill loses at most one task's trials per worker)."""

PHASES = ("describe", "explore", "search", "cross")
"""The build's phases, in the order :meth:`Builder.run` runs them."""

JOURNAL = ".running.jsonl"
"""The :class:`~metahpo.parallel.Journal` of the datasets a build with ``n_jobs=1`` is working on, in its
folder: a dataset that kills the build's process runs alone on the rerun. After a run it holds only such
datasets, and is gone when there are none."""

SEARCH_ORIGIN = "search-bayes"
"""The ``origin`` of the configurations the search phase produced (``search-bayes:DATASET``)."""

EXPLORE_ORIGINS = ("explore-random", "explore-local")
"""The origins of the configurations the explore phase produced."""


@dataclass(frozen=True)
class Source:
    """A dataset to build from: a knowledge-base id and whatever :func:`metahpo.datasets.load` takes."""

    dataset_id: str
    spec: str
    target: str | None = None
    task: str | None = None
    listed: bool = False
    """Listed by a folder's manifest: rows whose target is missing are dropped, not an error."""
    max_rows: int | None = None
    """This source's own cap on rows, overriding the build's (a larger version of a dataset)."""

    def load(self, max_rows: int) -> Dataset:
        max_rows = self.max_rows or max_rows
        path = Path(self.spec)
        if path.is_dir():
            return load_pmlb(path, max_rows=max_rows)
        if self.listed:
            return load_entry(ManifestEntry(self.dataset_id, path, self.target or "target", self.task), max_rows)
        return load(self.spec, target=self.target, task=self.task, name=self.dataset_id).subsample(max_rows)


def fingerprint(spec: str) -> str | None:
    """A hash of the bytes a source reads: its file, or the data files of its (PMLB) folder with
    their names, not what else the folder holds (a build's output may sit in it); None for a dataset
    named rather than stored (``openml:``, ``sklearn:``) or a path that is gone or cannot be read
    (its load says why, where the dataset's failure is recorded). A build records it, with the
    target (:func:`described_as`), when it describes a dataset, and refuses to resume over data that
    changed."""
    path = Path(spec)
    digest = hashlib.sha1()
    try:
        files = (sorted(p for p in path.iterdir() if p.is_file() and p.name.lower().endswith(DATA_SUFFIXES))
                 if path.is_dir() else [path])
        for file in files:
            digest.update(file.name.encode() if path.is_dir() else b"")
            with open(file, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
    except OSError:  # gone, or not ours to read
        return None
    return f"sha1:{digest.hexdigest()}"


TARGET_MARK = "|target="
"""Between the data's fingerprint (empty for a named dataset) and the target in what a build records of
a source (:func:`described_as`; recorded before 7 December 2026: the fingerprint alone)."""

TASK_MARK = "|task="
"""After the target in what a build records of a source: the task as given, empty if inferred (recorded
since 7 December 2026, Session 42; before, a dataset's task is checked only against a task given on resuming)."""


def read_target(spec: str, target: str | None) -> str | None:
    """The target column a source's data is read with: a PMLB folder's ``target`` whatever is named,
    else the one named, else ``target`` for a data file; None for the unnamed target of a named
    dataset or an ARFF file, which is its own default."""
    if Path(spec).is_dir():
        return "target"
    if target is not None:
        return target
    return None if spec.startswith(NAMED_SCHEMES) or ".arff" in Path(spec).suffixes else "target"


def described_as(source: Source) -> str:
    """What a build records of ``source`` when it describes it: its data's :func:`fingerprint`, the
    target it is read with (:func:`read_target`; empty for a default of its own) and its task as given
    (empty if inferred)."""
    target = read_target(source.spec, source.target) or ""
    return f"{fingerprint(source.spec) or ''}{TARGET_MARK}{target}{TASK_MARK}{source.task or ''}"


def _recorded(record: str) -> tuple[str, str | None, str | None]:
    """The fingerprint, target and task as given of what :func:`described_as` recorded; None for a
    part that a record of an older build does not hold."""
    data, mark, rest = record.partition(TARGET_MARK)
    if not mark:
        return data, None, None
    target, mark, task = rest.rpartition(TASK_MARK)
    return (data, target, task) if mark else (data, rest, None)


def _inferred_task(source: Source, max_rows: int) -> str | None:
    """The task of ``source``, given none, as its data is read; None if it does not load (its runs
    then record why, and a later build checks again)."""
    try:
        with warnings.catch_warnings():  # the data's warnings are the describe phase's to give
            warnings.simplefilter("ignore")
            return source.load(max_rows).task
    except Exception:
        return None


DATA_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".parquet", ".arff")
NAMED_SCHEMES = ("openml:", "openml-task:", "sklearn:")
"""Inputs that name a dataset rather than a path."""
COLLECTION_TABLES = ("index.csv", "twins.csv")
"""A PMLB collection folder's own tables, beside its dataset folders: not datasets."""


SIZE_STEP = 1.5
"""A larger version of a dataset is kept only if it has this many times the rows of the next smaller one."""


def sized(sources: Iterable[Source], max_rows: int, sizes: Iterable[int]) -> list[Source]:
    """``sources`` (capped at ``max_rows``) plus, for each dataset with enough rows, versions capped
    at each of ``sizes`` (ids ``NAME@ROWS``), so the knowledge base sees how the best configuration
    moves with the size of the data. A version is kept when it has at least :data:`SIZE_STEP` times
    the rows of the next smaller one (a dataset of 12,000 rows gets 2,000 and 12,000, not 10,000 too).
    A source that cannot be loaded gets no larger version; the build records why when it describes it.
    A dataset id holding ``@`` (a version's mark) is a :class:`DataError`: it would pass for a version."""
    sources = list(sources)
    marked = [s for s in sources if kbm.VERSION_SEP in s.dataset_id]
    if marked:
        names = preview(f"{s.dataset_id} ({s.spec})" for s in marked)
        raise DataError(f"a dataset's name may not hold {kbm.VERSION_SEP!r}, the mark of a larger version of a dataset "
                        f"(NAME{kbm.VERSION_SEP}ROWS, see --sizes): {names}; rename the file, or name the dataset "
                        f"otherwise in a manifest.csv")
    out = []
    for source in sources:
        out.append(source)
        n_rows = None
        have = max_rows
        for size in sorted(s for s in sizes if s > max_rows):
            if n_rows is None:
                try:
                    n_rows = source.load(10**12).n_rows
                except Exception:  # the describe phase loads it again, and records why it fails
                    break
            cap = min(size, n_rows)
            if cap >= SIZE_STEP * have:
                out.append(replace(source, dataset_id=f"{source.dataset_id}{kbm.VERSION_SEP}{cap}", max_rows=cap))
                have = cap
    return out


def find_sources(inputs: Iterable[str], target: str | None = None) -> list[Source]:
    """Expand inputs into sources: a folder with a ``manifest.csv`` (the datasets it lists, each with
    its target and task), a PMLB collection folder (every dataset in it), a PMLB dataset folder, a
    folder of data files (CSV, TSV, Parquet, ARFF), a data file, a text file listing
    ``path[,target]`` lines (relative paths are relative to the list's folder), or ``openml:ID``."""
    sources: list[Source] = []
    for item in inputs:
        path = Path(item)
        if path.is_file() and path.name == MANIFEST:  # the manifest itself stands for its folder
            path = path.parent
        if target is not None and _names_its_targets(path):
            warn(f"the target {target!r} is not {item}'s: a manifest names each dataset's target, and a PMLB "
                 f"dataset's is its column 'target'", DataWarning)
        if path.is_dir() and (path / MANIFEST).exists():
            sources += [Source(e.name, str(e.path), e.target, e.task, listed=True) for e in read_manifest(path)]
        elif path.is_dir() and not (path / f"{stem(path)}.tsv.gz").exists():
            pmlb = [Source(p.name, str(p)) for p in sorted(path.iterdir()) if (p / f"{p.name}.tsv.gz").exists()]
            files = [Source(stem(p), str(p), target) for p in sorted(path.iterdir())
                     if p.is_file() and p.name.lower().endswith(DATA_SUFFIXES)]
            loose = [f for f in files if Path(f.spec).name not in COLLECTION_TABLES]
            nested = [p.name for p in sorted(path.iterdir()) if p.is_dir() and not (p / f"{p.name}.tsv.gz").exists()
                      and any(f.name.lower().endswith(DATA_SUFFIXES) for f in p.iterdir() if f.is_file())]
            if nested:  # a folder's own files are its datasets, not its subfolders'
                warn(f"{item}'s subfolders are not read (give them as inputs of their own): "
                     f"{', '.join(nested[:5])}{', ...' if len(nested) > 5 else ''}", DataWarning)
            if pmlb and loose:
                names = ", ".join(Path(f.spec).name for f in loose[:5]) + (", ..." if len(loose) > 5 else "")
                warn(f"{item} holds PMLB dataset folders, so the data files beside them are left out (give "
                     f"them as inputs of their own): {names}", DataWarning)
            sources += pmlb or files
        elif path.suffix == ".txt" and path.is_file():
            for line in path.read_text().splitlines():
                if line.strip() and not line.startswith("#"):
                    spec, tgt = (part.strip() for part in line.partition(",")[::2])
                    spec = spec if spec.startswith(NAMED_SCHEMES) else str(path.parent / spec)
                    if spec.startswith(NAMED_SCHEMES) or Path(spec).exists():
                        sources += find_sources([spec], tgt or target)
                    else:  # fails when loaded and is recorded, as a manifest's missing file is
                        sources.append(Source(stem(spec), spec, tgt or target))
        elif path.exists():
            sources.append(Source(stem(item), str(path), target))
        elif item.startswith(NAMED_SCHEMES):
            sources.append(Source(item.replace(":", "-"), item, target))
        else:
            raise DataError(f"no such dataset, folder or list: {item!r}")
    ids = [s.dataset_id for s in sources]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        clash = [s.spec for s in sources if s.dataset_id == dup[0]]
        raise DataError(f"{plural(len(clash), 'input')} would be the dataset {dup[0]!r} ({', '.join(clash)})"
                        f"{f' and {len(dup) - 1} more names clash' if len(dup) > 1 else ''}: give one of them, or "
                        f"list them in a manifest.csv with a name column")
    return sources


def _names_its_targets(path: Path) -> bool:
    """Whether the datasets of a folder name their own targets: it holds a manifest, or it is (or
    holds) PMLB dataset folders, whose target is their column ``target``."""
    if not path.is_dir():
        return False
    if (path / MANIFEST).exists() or (path / f"{stem(path)}.tsv.gz").exists():
        return True
    return any((p / f"{p.name}.tsv.gz").exists() for p in path.iterdir())


# ---------------------------------------------------------------------- worker side


@functools.lru_cache(maxsize=8)
def _dataset_and_folds(source: Source, max_rows: int, cv: int) -> tuple[Dataset, list]:
    dataset = source.load(max_rows)
    return dataset, make_folds(dataset, cv, random_state=0)


def _describe(source: Source, max_rows: int) -> dict:
    """The dataset's row: its shape and meta-features (without them, and a warning, if extraction fails)."""
    from metahpo import metafeatures

    dataset = source.load(max_rows)
    try:
        mf, warning = metafeatures.extract(dataset), {}
    except Exception as exc:  # the runs do not need meta-features; a later build fills them in
        mf, warning = {}, {"warning": f"meta-features failed: {type(exc).__name__}: {exc}"[:300]}
    return {**kbm.dataset_row(source.dataset_id, dataset, mf, source=source.spec),
            "fingerprint": described_as(source), **warning}


def _run(source: Source, configs: list[Config], max_rows: int, cv: int, family: str,
         timeout: float | None = None) -> list[dict]:
    """Evaluate configurations on one dataset; a dataset that fails to load fails every run."""
    try:
        dataset, folds = _dataset_and_folds(source, max_rows, cv)
    except Exception as exc:  # recorded, so a broken dataset does not stop the build; a rerun tries again
        return _failed_runs(source, configs, f"{NOT_LOADED}{type(exc).__name__}: {exc}")
    return [kbm.run_row(source.dataset_id, evaluate(c, dataset, folds=folds, family=family, timeout=timeout), cv)
            for c in configs]


NOT_LOADED = "not loaded: "
"""How the error of a run begins whose dataset could not be loaded: not a result of the configuration,
so a rerun of the build runs it again."""


def _failed_runs(source: Source, configs: list[Config], error: str) -> list[dict]:
    return [{"dataset_id": source.dataset_id, "config_id": config_id(c), "status": "failed", "error": error[:500]}
            for c in configs]


def _search(source: Source, prior: list[tuple[Config, float]], n_trials: int, seed: int, max_rows: int, cv: int,
            family: str, timeout: float | None = None) -> list[tuple[Config, dict]]:
    """Continue a Bayesian search on one dataset from its own ``prior`` results: each new trial's
    configuration and run row (none for a dataset that fails to load)."""
    from metahpo.search import BayesSampler, Study  # imported here: describe and explore workers do not need it

    try:
        dataset, folds = _dataset_and_folds(source, max_rows, cv)
    except Exception:  # the phase's last line names the datasets that made no progress
        return []
    evaluations: list[Evaluation] = []

    def objective(config: Config) -> Evaluation:
        evaluations.append(evaluate(config, dataset, folds=folds, family=family, timeout=timeout))
        return evaluations[-1]

    study = Study(get_family(family).space_for(dataset.task))
    study.add_prior([c for c, _ in prior], [score for _, score in prior])
    # in this process: a worker's nested joblib backend (Dask's, on a cluster) would run the trials elsewhere
    with parallel_config(backend="sequential"):
        study.optimize(objective, BayesSampler(random_state=seed), n_trials=n_trials)
    if study.interrupted:  # the study keeps its trials on Ctrl-C; a build stops, and its re-run repeats the task whole
        raise KeyboardInterrupt
    return [(e.config, kbm.run_row(source.dataset_id, e, cv)) for e in evaluations]


# ---------------------------------------------------------------------- coordinator


class Builder:
    """Builds (or resumes building) the knowledge base in folder ``out``.

    Parameters
    ----------
    out : path
        The knowledge-base folder; created if absent, resumed if present. Nothing is written, nor
        the folder checked, before :meth:`run` or :meth:`reevaluate`. A resume refuses sources whose
        data, target or task changed since they were described; it runs again the runs whose dataset
        could not be loaded.
    sources : list of Source
    family : str
        The model family whose search space is explored: each dataset's configurations come from the
        family's space for its task (the linear family has no class weights for regression).
    n_random, n_local : int
        Explore phase: random configurations per dataset, then perturbations of the best.
    n_search : int
        Search phase: Bayesian-optimization trials per dataset after its explore phase (0: none).
    pool_size : int
        Configurations in the cross-evaluated pool, for each of the family's task spaces: the
        space's default (as shipped and early-stopped) always among them, so at least those.
    max_rows : int
        Cap on rows per dataset (seeded, stratified subsample).
    cv : int
        Cross-validation folds.
    timeout : float, optional
        Seconds after which an evaluation stops at the end of its current fold and is recorded
        as ``"timeout"``; a rerun with a larger timeout (or none) than such a run was given
        evaluates it again (of any phase), and the newer run replaces it.
    n_jobs : int
        Parallel tasks through joblib (the active joblib backend, e.g. Dask's, is used).
    log : callable
        Where progress lines go.
    """

    def __init__(
        self,
        out: str | Path,
        sources: list[Source],
        *,
        family: str = "lightgbm",
        n_random: int = 8,
        n_local: int = 4,
        n_search: int = 0,
        pool_size: int = 100,
        max_rows: int = 2000,
        cv: int = 3,
        timeout: float | None = None,
        n_jobs: int = 1,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.out = Path(out)
        self.sources = sources
        self.family: ModelFamily = get_family(family)
        self.space: SearchSpace = self.family.space
        self.n_random, self.n_local, self.n_search, self.pool_size = n_random, n_local, n_search, pool_size
        self.max_rows, self.cv, self.timeout, self.n_jobs = max_rows, cv, timeout, n_jobs
        self.log = log or to_stderr
        self._opened = False

    def _open(self) -> None:
        """Before the first work: write the folder's manifest, or check that the build in it is this
        family's, on the same folds and rows, and record this run's other settings beside the
        earlier ones."""
        if self._opened:
            return
        provenance = {"builder": "metahpo.build", "max_rows": self.max_rows, "cv": self.cv,
                      "n_random": self.n_random, "n_local": self.n_local, "n_search": self.n_search,
                      "pool_size": self.pool_size, "sources": len(self.sources), "timeout": self.timeout,
                      "larger_versions": sum(s.max_rows is not None for s in self.sources),
                      "early_stopping": f"validation loss, patience max({MIN_PATIENCE}, {PATIENCE_LR:g} / learning_rate)"}
        family = self.family.name
        if (self.out / "manifest.json").exists():
            manifest = kbm.read_manifest(self.out)
            if manifest["family"] != family:
                raise ConfigError(f"{self.out} holds a {manifest['family']} knowledge base; building the "
                                  f"{family} family into it would mix the two: use another folder")
            before = manifest.get("provenance", {})
            changed = [f"{k} {before[k]!r} (now {provenance[k]!r})" for k in ("cv", "max_rows")
                       if k in before and before[k] != provenance[k]]
            if changed:  # more trials or datasets add to a build; other folds or rows make runs that do not compare
                raise ConfigError(f"{self.out} was built with {', '.join(changed)}: its runs would not compare with "
                                  f"new ones; resume it with the settings it was built with, or use another folder")
            if self._pool_rows(kbm.KnowledgeBase.load(self.out)).any():  # chosen once: these no longer act
                for key in (k for k in ("pool_size", "n_search") if k in before and before[k] != provenance[k]):
                    option = "--" + key.replace("_", "-")
                    self.log(f"{option} {provenance[key]} changes nothing: the pool of {self.out} is chosen (with "
                             f"{option} {before[key]}), so it stays as it is")
                    provenance[key] = before[key]
            earlier = {k: v for k, v in before.items() if k != "earlier"}
            if any(earlier.get(k) != v for k, v in provenance.items()):  # resumed with more: the settings say so
                kbm.write_manifest(self.out, family, self.space.version,
                                   {**provenance, "earlier": [*before.get("earlier", []), earlier]},
                                   manifest.get("rows"))
        else:
            kbm.check_unmanifested(self.out)
            kbm.write_manifest(self.out, family, self.space.version, provenance)
        self._opened = True

    def run(self, phases: Iterable[str] = PHASES) -> kbm.KnowledgeBase:
        """Run the phases in order and return the knowledge base, compacted on disk."""
        self._check_unchanged()
        for phase in phases:
            getattr(self, phase)()
        kbm.compact(self.out)
        return kbm.KnowledgeBase.load(self.out)

    def _check_unchanged(self) -> None:
        """Refuse to resume over data that changed since the build described it: its runs and
        meta-features would describe other data. A dataset keeps its task: one given then, and no
        longer, is inferred again, and must be the same."""
        table = self._kb().datasets.set_index("dataset_id")
        tasks = table["task"].astype(str)
        retasked = [f"{s.dataset_id} ({tasks[s.dataset_id]}, now {s.task})" for s in self.sources
                    if s.task is not None and s.dataset_id in tasks.index and s.task != tasks[s.dataset_id]]
        stored = table["fingerprint"].dropna().astype(str) if "fingerprint" in table else pd.Series(dtype=str)
        changed, retargeted = [], []
        for s in (s for s in self.sources if s.dataset_id in stored.index):
            data, target, task = _recorded(stored[s.dataset_id])
            now, now_target, _ = _recorded(described_as(s))
            if data and now and now != data:
                changed.append(s.dataset_id)
            elif target is not None and target != now_target:
                retargeted.append(f"{s.dataset_id} ({target or 'the default'}, now {now_target or 'the default'})")
            elif task and s.task is None and (inferred := _inferred_task(s, self.max_rows)) not in (
                    None, tasks[s.dataset_id]):
                retasked.append(f"{s.dataset_id} ({tasks[s.dataset_id]} as given, now {inferred} as inferred "
                                f"from its data: give its task again)")
        for what, ids in (("data", changed), ("target", retargeted), ("task", retasked)):
            if ids:
                raise ConfigError(f"the {what} of {plural(len(ids), 'dataset')} changed since {self.out} described "
                                  f"{'it' if len(ids) == 1 else 'them'}: {', '.join(ids[:5])}"
                                  f"{', ...' if len(ids) > 5 else ''}; its runs describe the old {what}: build into "
                                  f"another folder, or give the changed data another name")

    # -- phases

    def describe(self) -> None:
        """Record every dataset's row; datasets whose meta-features are missing or stale are redone."""
        from metahpo.metafeatures import METAFEATURES

        table = self._kb().datasets
        wanted = [f"mf_{n}" for n in METAFEATURES]
        if set(wanted) <= set(table.columns):
            done = set(table.loc[table[wanted].notna().any(axis=1), "dataset_id"])
        else:
            done = set()
        todo = [s for s in self.sources if s.dataset_id not in done]
        writer = kbm.LiveWriter(self.out, "datasets")
        jobs = [delayed(_safe_describe)(s, self.max_rows) for s in todo]
        for row in self._parallel("describe", jobs, len(todo), todo,  # a dataset whose worker dies: no row
                                  lambda i, error: {"dataset_id": todo[i].dataset_id}):
            problem = row.pop("error", None) or row.pop("warning", None)
            if problem:
                self.log(f"describe: {row['dataset_id']}: {problem}")
            if "task" in row:
                writer.write({**dict.fromkeys(wanted, np.nan), **row})
        writer.close()

    def explore(self) -> None:
        kb = self._kb()
        sources = self._described(kb)
        spaces = self._spaces(kb)
        plan = {s: random_plan(spaces[s], s.dataset_id, self.n_random) for s in sources}
        self._evaluate("explore", plan, kb, origin="explore-random")
        scores = self._kb().matrix()
        local = {}
        for s in sources:  # perturb the best of the random phase, so a rerun plans the same
            ids = [cid for cid in map(config_id, plan[s]) if cid in scores.columns]
            row = scores.loc[s.dataset_id, ids] if s.dataset_id in scores.index else None
            if row is not None and row.notna().any():
                best = next(c for c in plan[s] if config_id(c) == row.idxmax())
                local[s] = local_plan(spaces[s], s.dataset_id, best, self.n_local)
        self._evaluate("explore-local", local, kb, origin="explore-local")

    def search(self) -> None:
        """Give each dataset ``n_search`` Bayesian-optimization trials, continued task by task from
        its own results only (its explore runs and earlier search trials, never another dataset's
        configurations), so a leave-one-out evaluation that drops a dataset drops all it informed.
        Once ``cross`` has chosen the pool, the pool is fixed and the search has nothing to add."""
        self._search_again()  # before the pool check: those runs' scores count once it is chosen too
        if self.n_search and self._pool_rows(self._kb()).any():
            self.log("search: the pool is chosen; nothing to do")
            return
        previous: list[tuple[str, int]] = []
        for round_ in itertools.count(1):
            tasks = self._search_tasks(kb := self._kb())
            state = [(s.dataset_id, done) for s, _, _, done in tasks]
            if not tasks or state == previous:
                if tasks:  # a round recorded none of their trials: they no longer load, or their trials collide
                    self.log(f"search: no progress on {plural(len(tasks), 'dataset')} "
                             f"({', '.join(d for d, _ in state[:5])}{', ...' if len(state) > 5 else ''}); stopping")
                return
            previous = state
            known = set(kb.configurations["config_id"])
            writer_c, writer = kbm.LiveWriter(self.out, "configurations"), kbm.LiveWriter(self.out, "runs")
            jobs = [delayed(_search)(s, prior, n, _seed(s.dataset_id) + done, self.max_rows, self.cv,
                                     self.family.name, self.timeout) for s, prior, n, done in tasks]
            n_trials = sum(n for _, _, n, _ in tasks)  # a dataset whose worker dies adds no trial this round
            for results in self._parallel(f"search round {round_}", jobs, n_trials, [t[0] for t in tasks],
                                          lambda i, error: []):
                for config, row in results:  # configurations first: a kill between leaves no run without one
                    if row["config_id"] not in known:
                        known.add(row["config_id"])
                        writer_c.write(kbm.configuration_row(config, self.space.family,
                                                             f"{SEARCH_ORIGIN}:{row['dataset_id']}"))
                writer_c.close()
                for _, row in results:
                    writer.write(row)
                writer.close()

    def _search_again(self) -> None:
        """Evaluate again, given more time than they had, the search trials that ran out of it, each on
        the dataset whose search produced it (the newer run replaces the older, as in explore and
        cross). The trials each search chose after them stay as they were."""
        kb = self._kb()
        origins = kb.configurations.set_index("config_id")["origin"].astype(str)
        runs = kb.runs[self._out_of_time(kb.runs)]
        runs = runs[runs["config_id"].map(origins).eq(runs["dataset_id"].map(f"{SEARCH_ORIGIN}:{{}}".format))]
        timed_out = runs.groupby("dataset_id")["config_id"].agg(list)
        plan = {s: kb.params(timed_out[s.dataset_id]) for s in self._described(kb) if s.dataset_id in timed_out.index}
        if plan:
            self._evaluate("search, trials out of time before", plan, kb, origin=SEARCH_ORIGIN)

    def _search_tasks(self, kb: kbm.KnowledgeBase) -> list[tuple[Source, list[tuple[Config, float]], int, int]]:
        """The next search task of every dataset with trials still to run: the source, its own
        results so far (early-stopped configurations and their scores, NaN for a failed one), the
        trials to run and the search trials done. A dataset with no successful early-stopped run
        (only the shipped defaults' 100 rounds, say) has nothing to continue from and is left out.

        A dataset's own results are its runs of configurations that no other dataset produced, and
        of explore configurations whatever dataset's origin they carry: explore runs only a
        dataset's own plan, so one of another's origin is a coincidence (in small spaces, the
        linear family's, perturbations clipped to the cube's edge coincide), not a leak."""
        if not self.n_search:
            return []
        scores = kb.matrix()
        producers = kb.producers()
        origins = kb.configurations.set_index("config_id")["origin"].astype(str)
        ran = kb.runs.groupby("dataset_id")["config_id"].agg(lambda ids: list(dict.fromkeys(ids)))
        tasks = []
        for s in self._described(kb):
            ids = ran.get(s.dataset_id, [])
            done = sum(origins.get(cid) == f"{SEARCH_ORIGIN}:{s.dataset_id}" for cid in ids)
            own = [cid for cid in ids if producers.get(cid, frozenset()) <= {s.dataset_id}
                   or origins.get(cid, "").startswith(EXPLORE_ORIGINS)]
            row = scores.loc[s.dataset_id] if s.dataset_id in scores.index else pd.Series(dtype=float)
            prior = [(c, float(row.get(cid, np.nan))) for cid, c in zip(own, kb.params(own)) if "n_estimators" not in c]
            if done < self.n_search and any(np.isfinite(score) for _, score in prior):
                tasks.append((s, prior, min(SEARCH_CHUNK, self.n_search - done), done))
        return tasks

    def cross(self) -> None:
        kb = self._kb()
        pool = self.pool(kb)
        plan = {s: [c for c in pool if space.contains(c)] for s, space in self._spaces(kb).items()}
        self._evaluate("cross", plan, kb, origin="pool", block_major=True)

    def reevaluate(self, earlier: str | Path) -> kbm.KnowledgeBase:
        """Evaluate again, under the family's current space, every run of the knowledge base in
        folder ``earlier`` on this build's sources, and return the new one, compacted on disk.

        For a change of the space's fixed settings (a new space version): ``earlier``'s scores are
        of models that are no longer the ones handed out. Its datasets and configurations tables
        are copied as they are (the same data, the same configurations), its runs evaluated on
        the rows and folds it was built with, so the two knowledge bases compare run by run
        (:func:`check_reevaluation`); resumable like a build, into its own folder only."""
        old = check_reevaluation(earlier, self.out, self.family.name, self.max_rows, self.cv)
        origin = str(Path(earlier).resolve())
        made = (self.out / "manifest.json").exists()
        if made and (family := kbm.read_manifest(self.out)["family"]) != self.family.name:
            raise ConfigError(f"{self.out} holds a {family} knowledge base; re-evaluate {earlier} into a new folder")
        if made and not kbm.KnowledgeBase.load(self.out).datasets.empty and (
                _reevaluated(kbm.read_manifest(self.out).get("provenance", {})) != origin):
            raise ConfigError(f"{self.out} already holds a knowledge base; re-evaluate {earlier} into a new folder")
        kbm.check_unmanifested(self.out)
        if not made or kbm.KnowledgeBase.load(self.out).datasets.empty:
            provenance = {**(old.provenance or {}), "builder": "metahpo.build reevaluate", "reevaluates": origin,
                          "reevaluated_space_version": old.space_version, "timeout": self.timeout}
            kbm.write_manifest(self.out, self.family.name, self.space.version, provenance)  # first: a rerun knows
            copied = kbm.KnowledgeBase.empty(self.family.name)
            copied.datasets, copied.configurations = old.datasets, old.configurations
            kbm.append(self.out, copied)  # one atomic part, so a rerun sees both tables or neither
        self._opened = True  # the manifest holds the earlier build's settings: this builder's go not over them
        self._check_unchanged()
        kb = self._kb()
        ran = old.runs.groupby("dataset_id")["config_id"].agg(lambda ids: list(dict.fromkeys(ids)))
        absent = [s.dataset_id for s in self.sources if s.dataset_id not in ran.index]
        if absent:
            self.log(f"reevaluate: {plural(len(absent), 'input')} with no run in {earlier}, left out "
                     f"({', '.join(absent[:5])}{', ...' if len(absent) > 5 else ''})")
        plan = {s: kb.params(ran[s.dataset_id]) for s in self._described(kb) if s.dataset_id in ran.index}
        self._evaluate("reevaluate", plan, kb, origin="reevaluate")
        kbm.compact(self.out)
        return kbm.KnowledgeBase.load(self.out)

    # -- pool

    def pool(self, kb: kbm.KnowledgeBase) -> list[Config]:
        """The cross-evaluated pool: for each of the family's task spaces, its defaults, then the
        datasets' bests in that space, thinned for diversity.

        Each configuration's origin names the datasets whose best it was (``pool:ds1|ds2``), so
        that a leave-one-out evaluation can drop what a left-out dataset produced
        (:meth:`KnowledgeBase.without <metahpo.knowledge_base.KnowledgeBase.without>`).
        Stable across restarts: once chosen, the pool is read back from the configurations table.
        """
        self._open()
        chosen = kb.configurations[self._pool_rows(kb)]
        if len(chosen):
            return kb.params(chosen["config_id"])
        origins = kb.configurations.set_index("config_id")["origin"].astype(str)
        runs = kb.runs[kb.runs["config_id"].map(origins).astype(str).str.startswith(EXPLORE_ORIGINS)]
        loaded = ~runs["error"].fillna("").astype(str).str.startswith(NOT_LOADED)
        explored = set(runs.loc[loaded, "dataset_id"])  # a run on data that could not be loaded decides nothing yet
        unexplored = [s.dataset_id for s in self._described(kb) if s.dataset_id not in explored]
        if unexplored:  # chosen once and for good: not before every dataset's best is known
            have = "has" if len(unexplored) == 1 else "have"
            raise ConfigError(f"the pool is chosen once, from the explore phase's bests, but "
                              f"{plural(len(unexplored), 'described dataset')} ({preview(unexplored)}) {have} no "
                              f"explore run on its data yet (none run, or only runs whose data could not be loaded): "
                              f"run the explore phase first, or again once the data loads")
        if absent := sorted(set(kb.datasets["dataset_id"]) - explored - {s.dataset_id for s in self.sources}):
            self.log(f"cross: the pool is chosen without {plural(len(absent), 'dataset')} described earlier, with no "
                     f"explore run on its data and not among this build's inputs: {preview(absent)}")
        best = kb.normalized().idxmax(axis=1).dropna()
        producers: dict[str, list[str]] = {}
        for dataset_id, cid in best.items():
            producers.setdefault(config_id(early_stopped(kb.params([cid])[0])), []).append(dataset_id)
        candidates = [early_stopped(c) for c in kb.params(dict.fromkeys(best))]
        pool, defaults = [], set()
        for space in {id(space): space for space in self._spaces(kb).values()}.values():  # each space once
            pool += _thinned(space, [c for c in candidates if space.contains(c)], self.pool_size)
            defaults |= {config_id(space.default), config_id(early_stopped(space.default))}
        rows = pd.DataFrame([kbm.configuration_row(c, self.space.family, "pool" if (cid := config_id(c)) in defaults
                                                   else f"pool:{kbm.ORIGIN_SEP.join(producers[cid])}")
                             for c in pool])
        chosen_kb = kbm.KnowledgeBase.empty(self.space.family)
        chosen_kb.configurations = rows
        kbm.append(self.out, chosen_kb)  # one atomic part: a kill leaves the whole pool or none of it
        return pool

    # -- machinery

    @staticmethod
    def _pool_rows(kb: kbm.KnowledgeBase) -> pd.Series:
        """Which rows of the configurations table belong to the chosen pool."""
        return kb.configurations["origin"].astype(str).str.match(r"pool\b")

    def _kb(self) -> kbm.KnowledgeBase:
        """The knowledge base in the folder as written so far (the folder opened first)."""
        self._open()
        return kbm.KnowledgeBase.load(self.out)

    def _described(self, kb: kbm.KnowledgeBase) -> list[Source]:
        ids = set(kb.datasets["dataset_id"])
        return [s for s in self.sources if s.dataset_id in ids]

    def _spaces(self, kb: kbm.KnowledgeBase) -> dict[Source, SearchSpace]:
        """The described sources, each with the family's space for its dataset's task."""
        tasks = kb.datasets.set_index("dataset_id")["task"]
        return {s: self.family.space_for(tasks[s.dataset_id]) for s in self._described(kb)}

    def _evaluate(self, phase: str, plan: dict[Source, list[Config]], kb: kbm.KnowledgeBase,
                  origin: str, block_major: bool = False) -> None:
        ran = kb.runs[~kb.runs["error"].fillna("").astype(str).str.startswith(NOT_LOADED)]  # the data back: tried
        ran = ran[~self._out_of_time(ran)]  # given more time: tried again
        done = set(zip(ran["dataset_id"], ran["config_id"]))
        known = set(kb.configurations["config_id"])
        spaces = [self.family.space_for(task) for task in ("binary", "multiclass", "regression")]
        defaults = {config_id(c) for space in spaces for c in (space.default, early_stopped(space.default))}
        writer_c = kbm.LiveWriter(self.out, "configurations")
        for source, configs in plan.items():
            for c in configs:
                if (cid := config_id(c)) not in known:
                    known.add(cid)  # recorded as produced by the dataset it was explored on, defaults by none
                    produced = origin if cid in defaults else f"{origin}:{source.dataset_id}"
                    writer_c.write(kbm.configuration_row(c, self.space.family, produced))
        writer_c.close()
        tasks = list(_chunks(plan, done, block_major))
        n_evals = sum(len(c) for _, c in tasks)
        writer = kbm.LiveWriter(self.out, "runs")
        jobs = [delayed(_run)(s, c, self.max_rows, self.cv, self.family.name, self.timeout) for s, c in tasks]
        for rows in self._parallel(phase, jobs, n_evals, [s for s, _ in tasks],
                                   lambda i, error: _failed_runs(*tasks[i], error)):
            for row in rows:
                writer.write(row)
            writer.close()  # between tasks the part is closed, so `metahpo kb compact` can fold it

    def _out_of_time(self, runs: pd.DataFrame) -> pd.Series:
        """Which of ``runs`` stopped at a timeout shorter than this build's (or it has none): the
        time each was given is in its error (:func:`~metahpo.evaluation.timeout_given`)."""
        timed_out = runs["status"].eq("timeout")
        if self.timeout is None:
            return timed_out
        return timed_out & runs["error"].map(timeout_given).lt(float(f"{self.timeout:g}"))  # rounded as the error is

    def _parallel(self, phase: str, jobs: list, total: int, sources: list[Source],
                  instead: Callable[[int, str], Any]) -> Iterator:
        """Run jobs (one on each of ``sources``) through joblib, yielding results as they come, with a
        progress line and ETA. A job that kills its worker process even when run alone
        (:func:`~metahpo.parallel.run_jobs`) is logged, and yields ``instead(index, error)``; so
        does one that kills the build's own process (``n_jobs=1``), on the rerun, which runs the
        datasets it was working on each alone (journaled in :data:`JOURNAL`) until one no longer dies."""
        if not jobs:
            self.log(f"{phase}: nothing to do")
            return
        start, done = time.monotonic(), 0
        keys = [s.dataset_id for s in sources]  # not by phase: one that killed explore would kill cross too
        for i, result in run_jobs(jobs, self.n_jobs, unordered=True, journal=Journal(self.out / JOURNAL), keys=keys):
            if isinstance(result, WorkerDeath):
                self.log(f"{phase}: {sources[i].dataset_id}: {result}")
                result = instead(i, f"WorkerDeath: {result}")
            done += len(result) if isinstance(result, list) else 1
            self.log(f"{phase}: {eta_line(done, total, time.monotonic() - start)}")
            yield result


def check_reevaluation(earlier: str | Path, out: str | Path, family: str, max_rows: int, cv: int
                       ) -> kbm.KnowledgeBase:
    """The knowledge base in ``earlier``, if :meth:`Builder.reevaluate` can evaluate its runs again
    into ``out`` for ``family`` on ``max_rows`` rows and ``cv`` folds: another folder, the same
    family, the rows and folds it was built with (its runs would not compare otherwise)."""
    if Path(earlier).resolve() == Path(out).resolve():
        raise ConfigError(f"a re-evaluation writes a new folder, not {out}, the knowledge base it evaluates again")
    old = kbm.KnowledgeBase.load(earlier)
    if old.family != family:
        raise ConfigError(f"{earlier} holds a {old.family} knowledge base, not a {family} one")
    built = old.provenance or {}
    differ = [f"{flag} {built[key]!r} (not {now!r})" for key, flag, now in (("max_rows", "--max-rows", max_rows),
                                                                          ("cv", "--cv", cv))
              if key in built and built[key] != now]
    if differ:
        raise ConfigError(f"{earlier} was built with {', '.join(differ)}: evaluate its runs again with the same, "
                          f"so that they compare")
    return old


def _reevaluated(provenance: dict[str, Any]) -> str | None:
    """The folder a re-evaluation's provenance names, kept in its ``earlier`` settings if a resumed
    run's settings replaced them."""
    for entry in (provenance, *provenance.get("earlier", [])):
        if "reevaluates" in entry:
            return entry["reevaluates"]
    return None


def _thinned(space: SearchSpace, candidates: list[Config], size: int) -> list[Config]:
    """The space's defaults (as shipped and early-stopped, once if the same), then up to ``size`` in all of the
    candidates, each the farthest in the unit cube from those already chosen."""
    pool = list({config_id(c): c for c in (space.default, early_stopped(space.default))}.values())
    points = np.array([space.encode(c) for c in candidates]).reshape(len(candidates), space.dim)
    chosen = [space.encode(p) for p in pool]
    remaining = list(range(len(candidates)))
    while remaining and len(pool) < size:
        dist = np.min(np.linalg.norm(points[remaining][:, None, :] - np.array(chosen)[None], axis=2), axis=1)
        pick = remaining.pop(int(np.argmax(dist)))
        pool.append(candidates[pick])
        chosen.append(points[pick])
    return pool


def _safe_describe(source: Source, max_rows: int) -> dict:
    try:
        return _describe(source, max_rows)
    except Exception as exc:  # a broken dataset is reported and skipped
        return {"dataset_id": source.dataset_id, "error": f"{type(exc).__name__}: {exc}"[:500]}


def _chunks(plan: dict[Source, list[Config]], done: set[tuple[str, str]], block_major: bool
            ) -> Iterator[tuple[Source, list[Config]]]:
    """Tasks of at most CHUNK configurations not yet done.

    Block-major order walks the configuration list in blocks across all datasets, so that the
    matrix fills densely from the front of the list."""
    def todo(s: Source, configs: list[Config]) -> list[Config]:
        return [c for c in configs if (s.dataset_id, config_id(c)) not in done]

    longest = max((len(c) for c in plan.values()), default=0)
    blocks = [(i, s) for i in range(0, longest, CHUNK) for s in plan] if block_major else \
             [(i, s) for s in plan for i in range(0, len(plan[s]), CHUNK)]
    for i, s in blocks:
        if configs := todo(s, plan[s][i:i + CHUNK]):
            yield s, configs


def random_plan(space: SearchSpace, dataset_id: str, n_random: int) -> list[Config]:
    """The explore phase's first configurations for a dataset: the defaults (as shipped and
    early-stopped), then random draws seeded by the dataset's id, so datasets see different ones."""
    return [space.default, early_stopped(space.default)] + space.sample(n_random, _seed(dataset_id))


def local_plan(space: SearchSpace, dataset_id: str, best: Config, n_local: int) -> list[Config]:
    """The explore phase's perturbations of the best of :func:`random_plan` (seeded, so a rerun plans the same)."""
    rng = np.random.default_rng(_seed(dataset_id) + 1)
    center = space.encode(early_stopped(best))
    return [space.decode(np.clip(center + rng.normal(0, 0.1, space.dim), 0, 1)) for _ in range(n_local)]


def _seed(dataset_id: str) -> int:
    return int(hashlib.sha1(dataset_id.encode()).hexdigest()[:8], 16)


# ---------------------------------------------------------------------- a user's own history


def ingest(
    out: str | Path,
    data: Dataset,
    history: pd.DataFrame | Any,
    *,
    metric: str,
    greater_is_better: bool = True,
    cv: int = 0,
) -> dict[str, int]:
    """Append a user's own tuning history for one dataset to the knowledge base at ``out``.

    The knowledge base stays sparse: the dataset's meta-features and one run per history row,
    with no need for the dataset x configuration matrix.

    Parameters
    ----------
    out : path
        Knowledge-base folder (created if absent).
    data : Dataset
        The dataset the history was tuned on (its meta-features index the runs).
    history : DataFrame or optuna.study.Study
        One row per trial: a column per LightGBM parameter (its scikit-learn names or LightGBM's
        aliases, ``feature_fraction`` for ``colsample_bytree``; plain, or Optuna's
        ``params_<name>``) and the score in ``score`` (or Optuna's ``value``). Parameters missing
        from a row (a blank cell) take LightGBM's defaults. Other columns are ignored, but one
        close to a parameter's name (``num_leavs``) is a :class:`DataError`.
    metric : str
        What the score measures: one of the metrics the knowledge base stores for the task. A
        configuration ``out`` holds keeps its origin, and its run of the dataset its scores on
        other metrics.
    greater_is_better : bool
        False for a loss (e.g. an Optuna study that minimized log loss): scores are negated. Only
        for a ``neg_`` metric.
    cv : int
        Folds the scores came from, if known.

    Returns
    -------
    dict
        ``{"ingested": n, "skipped": m}`` (``n`` configurations: rows of one configuration are one
        run of their mean score, and ``"averaged"`` counts the rows so folded into an earlier one,
        as import-openml averages repeated runs), and when rows were skipped ``"skipped_why"`` (reason ->
        rows): a trial that did not finish (pruned or failed), no score, a parameter that is not a
        number, a configuration outside the space's ranges, or a LightGBM parameter the space does
        not hold set away from LightGBM's default (``max_depth=4``, ``boosting_type="dart"``, ...:
        another model than any of its configurations; a history logged with ``get_params()``
        holds them at their defaults, and ``subsample_freq=0``, no bagging, reads as
        ``subsample=1``). No row to ingest, or a score outside its metric's range (a loss given as a
        positive score), is a :class:`DataError`.
    """
    from metahpo import metafeatures

    if metric not in METRICS[data.task]:
        raise DataError(f"metric {metric!r} is not stored for {data.task}; use one of {', '.join(METRICS[data.task])}")
    if not greater_is_better and not metric.startswith("neg_"):
        raise DataError(f"{metric} grows as models improve, so its scores are no loss to negate: ingest them as "
                        f"they are (greater_is_better=True, without --minimize)")
    frame = history.trials_dataframe() if hasattr(history, "trials_dataframe") else history
    if not isinstance(frame, pd.DataFrame):
        raise DataError("history must be a DataFrame of parameters and scores, or an Optuna study")
    frame = _history_columns(frame)
    if "score" not in frame.columns:
        raise DataError(f"history has no 'score' (or Optuna 'value') column; columns are {list(frame.columns)}")
    space = LIGHTGBM
    frame, outside = _space_columns(frame.reset_index(drop=True), space)
    _check_no_misspelled_parameter(frame, space)
    allowed = {**constructor_defaults(), **space.fixed, **_GBDT}  # what the space trains with: a row may say so
    if not set(space.names) & set(frame.columns):
        raise DataError(f"history has no column of a lightgbm parameter ({', '.join(space.names)}); "
                        f"columns are {list(frame.columns)}")
    if getattr(getattr(history, "direction", None), "name", "") == "MINIMIZE" and greater_is_better:
        raise DataError("the Optuna study minimized its value: pass greater_is_better=False (--minimize)")
    why: Counter[str] = Counter()
    why["not a finished trial"] = int((~(finished := _finished(frame))).sum())
    base = early_stopped(space.default)
    kb = kbm.KnowledgeBase.empty()
    dataset_id = f"{data.name}-{data.fingerprint()}"
    kb.add_dataset(dataset_id, name=data.name, task=data.task, n_rows=data.n_rows, n_features=data.n_features,
                   metafeatures=metafeatures.extract(data), source=data.source)
    sign = 1.0 if greater_is_better else -1.0
    tried: defaultdict[str, list[float]] = defaultdict(list)  # the scores of each configuration, row by row
    numbers = {k: pd.to_numeric(frame[k], errors="coerce") for k in [*space.names, "n_estimators"] if k in frame}
    for number, (i, row) in zip(np.flatnonzero(finished) + 1, frame[finished].iterrows()):
        given = {k: values[i] for k, values in numbers.items() if pd.notna(row[k])}  # a blank cell: the default
        unbagged = "subsample_freq" in row and _same_number(row["subsample_freq"], 0)  # LightGBM's default
        if unbagged:  # LightGBM bags only at a positive frequency: the model of subsample 1
            given["subsample"] = 1.0
        other = [k for k in outside if pd.notna(row[k]) and not (unbagged and k == "subsample_freq")
                 and (k not in allowed or not _same_number(row[k], allowed[k]))]
        if other:  # another model than any configuration of the space: crediting its score to one would mislead
            why[f"sets {', '.join(other)}, outside metahpo's space"] += 1
            continue
        if any(pd.isna(v) for v in given.values()):
            why["a parameter that is not a number"] += 1
            continue
        score = pd.to_numeric(pd.Series([row["score"]]), errors="coerce").iloc[0]
        if not np.isfinite(score):
            why["no score"] += 1
            continue
        try:
            config = space.config_of({**base, **given})  # whole numbers as integers, as LightGBM takes them
        except ConfigError:
            why["a configuration outside the space's ranges"] += 1
            continue
        tried[config_id(config)].append(sign * float(score))
        try:
            kb.add_evaluation(dataset_id, Evaluation(config, metric, scores={metric: sign * float(score)}), cv=cv,
                              origin="history")
        except KnowledgeBaseError as exc:
            hint = "; are the scores losses (greater_is_better=False, --minimize)?" if greater_is_better else ""
            raise DataError(f"history row {number}: {exc}{hint}") from None
    why = Counter({reason: n for reason, n in why.items() if n})
    if kb.runs.empty:
        raise DataError(f"no row of the history could be ingested ({plural(len(frame), 'row')}: "
                        f"{'; '.join(f'{n} {reason}' for reason, n in why.items()) or 'none'})")
    repeats = sum(len(scores) - 1 for scores in tried.values())  # a configuration tried again: their mean
    if repeats:
        kb.runs[f"score_{metric}"] = kb.runs["config_id"].map(lambda cid: float(np.mean(tried[cid])))
    kbm.append_keeping_scores(out, kb, metric)
    return {"ingested": len(kb.runs), "skipped": sum(why.values()), **({"averaged": repeats} if repeats else {}),
            **({"skipped_why": dict(why)} if why else {})}


def _same_number(value: Any, setting: Any) -> bool:
    """Whether a history's cell (text or number, from a CSV or a frame) is ``setting``."""
    if isinstance(setting, str) or isinstance(value, str) and not pd.notna(pd.to_numeric(value, errors="coerce")):
        return str(value) == str(setting)
    return float(pd.to_numeric(value)) == float(setting)


_NEUTRAL = frozenset({"random_state", "n_jobs", "verbosity", "importance_type", "objective", "metric", "seed"})
"""LightGBM settings a history may hold that do not make another model of a configuration."""
_GBDT = {"boosting_type": "gbdt"}
"""The boosting the space's configurations train with."""


_BOOKKEEPING = frozenset({"number", "state", "status", "datetime_start", "datetime_complete", "duration", "source",
                          "error", "started", "finished", "config_id", "family"})
"""Columns of a history that are no parameter: Optuna's ``trials_dataframe()`` and metahpo's
``Study.trials_dataframe()`` bookkeeping (their ``user_attrs_*`` and ``system_attrs_*`` too)."""


def _history_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with Optuna's names read as plain ones (``params_NAME`` as ``NAME``, ``value`` as
    ``score``); two columns that become one name are a :class:`DataError` naming both."""
    check_columns(frame.columns, "history: ")
    names = {c: "score" if c == "value" else str(c).removeprefix("params_") for c in frame.columns}
    seen: dict[str, str] = {}
    for column, name in names.items():
        if name in seen:
            raise DataError(f"history columns {seen[name]!r} and {column!r} both give {name!r}: drop one")
        seen[name] = column
    return frame.rename(columns=names)


def _check_no_misspelled_parameter(frame: pd.DataFrame, space: SearchSpace) -> None:
    """A :class:`DataError` for a history column that is no LightGBM parameter but close to one of
    ``space``'s (``num_leavs``): read as a note it would be ignored, and its rows scored as
    LightGBM's default."""
    names = parameter_names()
    for column in map(str, frame.columns):
        if column in names or column in _BOOKKEEPING or column == "score" or column.startswith(
                ("user_attrs_", "system_attrs_")):
            continue
        near = difflib.get_close_matches(column, [*space.names, "n_estimators", *space.fixed], n=1, cutoff=0.85)
        if near:
            raise DataError(f"history column {column!r} is no LightGBM parameter (did you mean {near[0]!r}?): rename "
                            f"it, or drop it if it is no parameter")


def _space_columns(frame: pd.DataFrame, space: SearchSpace) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` with LightGBM's aliases of the space's parameters (``feature_fraction``,
    ``lambda_l1``, ...) renamed to its names, and the LightGBM parameters it holds outside the
    space (a row setting one describes another model, unless to the space's fixed value)."""
    names = parameter_names()
    canonical = {alias: name for name in [*space.names, "n_estimators", *space.fixed, *_GBDT]
                 for alias in names.get(name, {name})}
    renamed = {c: canonical[c] for c in frame.columns if c in canonical}
    seen: dict[str, str] = {}
    for column, name in renamed.items():
        if name in seen:
            raise DataError(f"history columns {seen[name]!r} and {column!r} are the same LightGBM parameter")
        seen[name] = column
    frame = frame.rename(columns=renamed)
    neutral = {alias for name in _NEUTRAL for alias in names.get(name, {name})}
    return frame, [c for c in frame.columns if c in (set(names) - neutral) - {"n_estimators", *space.names}]


def _finished(history: pd.DataFrame) -> pd.Series:
    """Which rows of a history are finished trials, whose score was measured: metahpo's status
    ``ok``, Optuna's state ``COMPLETE``, or every row of a table without either."""
    if "status" in history:
        return history["status"].eq("ok")
    if "state" in history:
        return history["state"].eq("COMPLETE")
    return pd.Series(True, index=history.index)
