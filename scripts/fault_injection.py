"""Fault injection for the knowledge base: kills, concurrent writers, torn rows, corrupt files.

Each scenario works on knowledge-base folders of its own, in a temporary folder:

``kill-live-writer``
    A process records runs as ``tune(record_to=...)`` does, a configuration row then a run row
    through :class:`~metahpo.knowledge_base.LiveWriter`, and is killed (``kill -9``) at a random moment.
``kill-tune``
    ``tune(record_to=...)`` on a tiny dataset (80 rows, 2 folds), killed at a random trial, then
    resumed (``resume=True``) for two trials more: the trials of the resumed search must be those
    of a search never killed.
``kill-build``
    ``metahpo kb build`` (every phase, on four tiny datasets) killed at random moments, several
    times, then run to its end; the runs must be those of a build never killed.
``kill-batch``
    ``metahpo batch`` killed at random moments, several times, then run to its end; every dataset
    must have its result, none computed twice.
``kill-compact``
    :func:`~metahpo.knowledge_base.compact` killed at a random moment while folding closed live
    parts and appended parts; then compacted again.
``concurrent``
    On one folder at once: two LiveWriter streams (closing and reopening their writers), an
    :func:`~metahpo.knowledge_base.append` of parts, a ``tune(record_to=...)``, compactions in a
    loop and loads in a loop.
``concurrent-builds``
    Two builds splitting the datasets on one ``--out`` (each compacting the folder when done)
    and a ``tune(record_to=...)`` into it, at once.
``torn-row``
    A live part cut at every byte of its last row (rows with quoted fields holding commas, quotes
    and newlines: JSON parameters, error messages).
``corrupt-file``
    Truncated and bit-flipped gzip parts, an emptied part, garbage manifests, parameters that are
    no JSON object, impossible scores: each must be refused with a KnowledgeBaseError, or (a flipped
    byte gzip ignores) load unchanged.

Runs *expected* are those whose writing had returned before the kill (for ``tune``, every trial
before the last one acknowledged: the recorder runs after the callbacks; for a build, every run of
an undisturbed build; for a batch, every dataset); *found* are those loaded afterwards; *lost*
expected but not found; *duplicated* stored more than once (in the parts on disk, before loading
keeps one row per key; for a batch, datasets recorded twice; for a compaction killed midway, whose
folded part may stand beside its members by design, loaded more than once). *Failures* are any
other broken promise: a load raising anything but a clear error, a run found that was never
written, a concurrent load seeing fewer runs than the one before, corruption accepted silently.
The table is printed and written as CSV; the exit status is 1 if anything was lost, duplicated or
failed.

Usage::

    python scripts/fault_injection.py            # the full form, a few minutes
    python scripts/fault_injection.py --quick    # a reduced form, seconds (run by the tests)
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import datasets as sklearn_datasets

from metahpo.batch import RECORDS, read_records, run_batch
from metahpo.build import Builder, find_sources
from metahpo.datasets import load
from metahpo.evaluation import Evaluation
from metahpo.exceptions import KnowledgeBaseError
from metahpo.knowledge_base import (KnowledgeBase, LiveWriter, append, compact, configuration_row, run_row,
                                    stored_rows)
from metahpo.spaces import LIGHTGBM, Config, config_id
from metahpo.tuning import tune

Key = tuple[str, str]
ERROR = 'ValueError: bad "value", at\nline 2, "end"'
"""An error message as CSV must quote it: commas, quotes and a newline."""


@dataclass
class Tally:
    """The figures of one scenario, and what went wrong."""

    scenario: str
    trials: int = 0
    runs_expected: int = 0
    runs_found: int = 0
    runs_lost: int = 0
    runs_duplicated: int = 0
    failures: int = 0
    seconds: float = 0.0
    detail: str = ""
    notes: list[str] = field(default_factory=list)

    def fail(self, note: str) -> None:
        self.failures += 1
        self.notes.append(f"{self.scenario}: {note}")

    def check(self, root: Path, expected: set[Key], written: set[Key], settled: bool = True) -> None:
        """One trial: load ``root``; every expected run must be there, and nothing never ``written``.

        Duplicates are counted among the rows stored on disk, or, if not ``settled`` (a compaction
        was killed midway), among those loaded.
        """
        self.trials += 1
        try:
            runs = KnowledgeBase.load(root).runs
            stored = stored_rows(root, "runs") if settled else runs
        except Exception as exc:  # anything, a clear error included, breaks the promise here
            self.fail(f"load of {root.name} raised {type(exc).__name__}: {exc}")
            return
        found = set(zip(runs["dataset_id"], runs["config_id"]))
        self.count(expected, found, len(stored) - len(stored[["dataset_id", "config_id"]].drop_duplicates()))
        if found - written:
            self.fail(f"{len(found - written)} runs found in {root.name} that were never written")

    def count(self, expected: set, found: set, duplicated: int) -> None:
        """Add one trial's figures: what was expected, what was found, how many were duplicated."""
        self.runs_expected += len(expected)
        self.runs_found += len(found & expected)
        self.runs_lost += len(expected - found)
        self.runs_duplicated += duplicated


# ---------------------------------------------------------------------- helpers


def base(root: Path, n_datasets: int, n_configs: int, with_configs: bool = True) -> list[Config]:
    """Save a knowledge base of datasets ``w0``, ``w1``, ... (and configurations); return them."""
    kb = KnowledgeBase.empty()
    configs = LIGHTGBM.sample(n_configs, 0)
    for i in range(n_datasets):
        kb.add_dataset(f"w{i}", name=f"w{i}", task="binary", n_rows=100, n_features=5,
                       metafeatures={"n_rows": 100.0})
    if with_configs:
        for c in configs:
            kb.add_configuration(c)
    kb.save(root)
    return configs


def run(dataset_id: str, config: Config, i: int) -> dict:
    """A run row; every third one a failure with a message CSV must quote."""
    if i % 3 == 2:
        ev = Evaluation(config=config, metric="roc_auc", scores={}, status="failed", error=ERROR)
    else:
        score = 0.5 + (i % 50) / 100
        ev = Evaluation(config=config, metric="roc_auc", scores={"roc_auc": score, "accuracy": score},
                        fold_scores={"roc_auc": [score, score]}, best_iteration=10)
    return run_row(dataset_id, ev, cv=2)


def killed(target, args: tuple, delay: float) -> list[str]:
    """Run ``target(*args, conn)`` in a process and kill -9 it ``delay`` s after its first
    acknowledgement (what it sends through ``conn``); return the acknowledgements."""
    receive, send = mp.Pipe(duplex=False)
    proc = mp.Process(target=target, args=(*args, send))
    proc.start()
    send.close()
    acks: list[str] = []
    deadline = None
    while receive.poll(60 if deadline is None else max(0.0, deadline - time.monotonic())):
        try:
            acks.append(receive.recv_bytes().decode())
        except EOFError:  # it finished before the kill
            break
        deadline = deadline or time.monotonic() + delay
    proc.kill()
    proc.join()
    while receive.poll():
        try:
            acks.append(receive.recv_bytes().decode())
        except EOFError:
            break
    return acks


# ---------------------------------------------------------------------- kills


def stream(root: Path, dataset_id: str, configs: list[Config], conn) -> None:
    """Record each configuration and its run, as tune's recorder does; acknowledge each run."""
    config_writer, run_writer = LiveWriter(root, "configurations"), LiveWriter(root, "runs")
    for i, c in enumerate(configs):
        config_writer.write(configuration_row(c, LIGHTGBM.family, "fault-injection"))
        run_writer.write(run(dataset_id, c, i))
        conn.send_bytes(config_id(c).encode())


def kill_live_writer(work: Path, trials: int, rng: np.random.Generator) -> Tally:
    tally = Tally("kill-live-writer")
    for t in range(trials):
        root = work / f"live-{t}"
        configs = base(root, 1, 400, with_configs=False)
        acks = killed(stream, (root, "w0", configs), rng.uniform(0, 0.5))
        written = configs[: len(acks) + 1]  # the one being written when killed may be there, or not
        tally.check(root, {("w0", a) for a in acks}, {("w0", config_id(c)) for c in written})
    return tally


def tune_recording(root: Path, seed: int, n_trials: int, conn, resume: bool = False) -> list[str]:
    """``tune(record_to=root)`` on a tiny dataset, acknowledging every trial (if ``conn``); the
    configuration ids of its trials."""
    dataset = load("sklearn:breast_cancer").subsample(80, random_state=seed)

    def acknowledge(study, trial) -> None:
        if conn is not None:
            conn.send_bytes(config_id(trial.config).encode())

    result = tune(dataset, family="lightgbm", sampler=None, n_trials=n_trials, cv=2, random_state=seed,
                  record_to=root, resume=resume, callbacks=[acknowledge], verbose=False)
    return [config_id(t.config) for t in result.study.trials]


def tuned_keys(root: Path, config_ids: list[str]) -> set[Key]:
    """The run keys of ``tune``'s trials: its dataset is the one ``breast_cancer-<fingerprint>``."""
    datasets = KnowledgeBase.load(root).datasets["dataset_id"]
    return {(d, c) for d in datasets if d.startswith("breast_cancer-") for c in config_ids}


def kill_tune(work: Path, trials: int, rng: np.random.Generator) -> Tally:
    tally = Tally("kill-tune")
    for t in range(trials):
        root = work / f"tune-{t}"
        acks = killed(tune_recording, (root, t, 500), rng.uniform(0, 1.5))
        try:
            expected, written = tuned_keys(root, acks[:-1]), tuned_keys(root, acks)
        except Exception as exc:
            tally.trials += 1
            tally.fail(f"load of {root.name} raised {type(exc).__name__}: {exc}")
            continue
        tally.check(root, expected, written)
        n_trials = len(KnowledgeBase.load(root).runs) + 2
        resumed = tune_recording(root, t, n_trials, None, resume=True)
        if resumed != tune_recording(work / f"tune-{t}-whole", t, n_trials, None):
            tally.fail(f"the search resumed from {root.name} ran other trials than one never killed")
    return tally


def compacting(root: Path, conn) -> None:
    conn.send_bytes(b"start")
    compact(root)


def folder_to_compact(root: Path) -> set[Key]:
    """A knowledge base of closed live parts and appended parts; its run keys."""
    configs = base(root, 4, 60)
    keys = set()
    for d in range(3):
        writer = LiveWriter(root, "runs")
        for i, c in enumerate(configs):
            writer.write(run(f"w{d}", c, i))
            keys.add((f"w{d}", config_id(c)))
            if i % 20 == 19:  # several live parts per dataset
                writer.close()
                writer = LiveWriter(root, "runs")
        writer.close()
    for i in range(0, len(configs), 15):
        kb = KnowledgeBase.empty()
        kb.runs = pd.DataFrame([run("w3", c, j) for j, c in enumerate(configs[i: i + 15])])
        append(root, kb)
        keys |= {("w3", config_id(c)) for c in configs[i: i + 15]}
    return keys


def compaction_state(root: Path) -> str:
    """Where a killed compaction stopped, judged from the runs folder."""
    names = [p.name for p in (root / "runs").iterdir()]
    if any(n.startswith(".tmp-") for n in names):
        return "writing"
    if not any(n.startswith("live-") for n in names):
        return "done"
    rows = pd.concat([pd.read_csv(root / "runs" / n) for n in names])
    return "removing" if rows.duplicated(["dataset_id", "config_id"]).any() else "reading"


def compaction_time(root: Path) -> float:
    """Seconds a compaction of ``root`` in a process of its own takes, from its start to its exit."""
    receive, send = mp.Pipe(duplex=False)
    proc = mp.Process(target=compacting, args=(root, send))
    proc.start()
    send.close()
    receive.recv_bytes()
    start = time.perf_counter()
    proc.join()
    return time.perf_counter() - start


def kill_compact(work: Path, trials: int, rng: np.random.Generator) -> list[Tally]:
    tally, after = Tally("kill-compact"), Tally("kill-compact, then compact")
    states: dict[str, int] = {}
    probes = [work / f"compact-probe-{i}" for i in range(max(1, min(3, trials // 10)))]
    for probe in probes:
        folder_to_compact(probe)
    duration = float(np.median([compaction_time(probe) for probe in probes]))
    for t in range(trials):
        root = work / f"compact-{t}"
        keys = folder_to_compact(root)
        killed(compacting, (root,), rng.uniform(0.05, 0.9) * duration)
        state = compaction_state(root)
        states[state] = states.get(state, 0) + 1
        tally.check(root, keys, keys, settled=False)
        compact(root)  # the next build's compaction
        after.check(root, keys, keys)
    tally.detail = "killed while " + ", ".join(f"{k}: {v}" for k, v in sorted(states.items()))
    return [tally, after]


# ---------------------------------------------------------------------- builds and batches


BUILD = {"n_random": 2, "n_local": 1, "pool_size": 4, "max_rows": 60, "cv": 2}
"""A build small enough to run many times: each tiny dataset gets 4 explore, 1 local and 4 pool runs."""
PHASES = ("describe", "explore", "cross")


def tiny_datasets(folder: Path, n: int) -> Path:
    """Write ``n`` small CSV datasets (binary, multiclass, regression) into ``folder``."""
    folder.mkdir(parents=True)
    loaders = [sklearn_datasets.load_breast_cancer, sklearn_datasets.load_iris, sklearn_datasets.load_diabetes,
               sklearn_datasets.load_wine]
    for loader in loaders[:n]:
        frame = loader(as_frame=True).frame.sample(60, random_state=0).rename(columns=str)
        frame.iloc[:, [*range(4), -1]].to_csv(folder / f"{loader.__name__.removeprefix('load_')}.csv", index=False)
    return folder


def building(out: Path, data: Path, phases: tuple[str, ...], conn=None) -> None:
    """Run a build of ``data`` into ``out`` (acknowledging its start, if ``conn``)."""
    if conn is not None:
        conn.send_bytes(b"start")
    Builder(out, find_sources([str(data)]), log=lambda line: None, **BUILD).run(phases)


def run_keys(root: Path) -> set[Key]:
    """The (dataset, configuration) keys of the runs loaded from ``root``."""
    runs = KnowledgeBase.load(root).runs
    return set(zip(runs["dataset_id"], runs["config_id"]))


@dataclass(frozen=True)
class Reference:
    """An undisturbed build: its runs, those of its describe and explore phases, and its seconds."""

    runs: set[Key]
    explored: set[Key]
    seconds: float


def reference_build(work: Path, data: Path) -> Reference:
    """Build ``data`` undisturbed, timed, noting the runs after the explore phase and at the end."""
    root = work / "build-reference"
    start = time.perf_counter()
    building(root, data, PHASES[:2])
    explored = run_keys(root)
    building(root, data, PHASES[2:])
    return Reference(run_keys(root), explored, time.perf_counter() - start)


def kill_build(work: Path, data: Path, reference: Reference, trials: int, kills: int,
               rng: np.random.Generator) -> Tally:
    tally = Tally("kill-build")
    expected, duration = reference.runs, reference.seconds
    for t in range(trials):
        root = work / f"build-{t}"
        for _ in range(kills):
            killed(building, (root, data, PHASES), rng.uniform(0, 1) * duration)
        builder = Builder(root, find_sources([str(data)]), log=lambda line: None, **BUILD)
        for phase in PHASES:  # the last resume, without the final compaction, so rows stored twice show
            getattr(builder, phase)()
        tally.check(root, expected, expected)
    tally.detail = f"{kills} kills each, at random moments of a {duration:.0f}-second build"
    return tally


def batching(out: Path, data: Path, conn=None) -> None:
    """Run (or resume) a batch of ``data`` into ``out`` (acknowledging its start, if ``conn``)."""
    if conn is not None:
        conn.send_bytes(b"start")
    run_batch([str(data)], out, n=2, max_rows=60, progress=lambda line: None)


def kill_batch(work: Path, data: Path, trials: int, kills: int, rng: np.random.Generator) -> Tally:
    tally = Tally("kill-batch")
    start = time.perf_counter()
    batching(work / "batch-reference", data)
    duration = time.perf_counter() - start
    expected = set(read_records(work / "batch-reference" / RECORDS))
    for t in range(trials):
        out = work / f"batch-{t}"
        for _ in range(kills):
            killed(batching, (out, data), rng.uniform(0, 1) * duration)
        batching(out, data)
        tally.trials += 1
        lines = (out / RECORDS).read_text().splitlines()
        finished = [r["dataset_id"] for r in map(json.loads, lines) if r["status"] == "ok"]
        tally.count(expected, set(finished), len(finished) - len(set(finished)))
        if len(pd.read_csv(out / "results.csv")) != len(expected):
            tally.fail(f"{out.name}/results.csv lacks datasets")
    tally.detail = f"datasets, {kills} kills each, at random moments of a {duration:.0f}-second batch"
    return tally


def concurrent_builds(work: Path, data: Path, reference: Reference, rounds: int, n_trials: int) -> Tally:
    """Two builds on one folder, each with half of the datasets, and a ``tune(record_to=...)``."""
    tally = Tally("concurrent-builds")
    files = sorted(data.iterdir())
    halves = []
    for h in range(2):
        half = work / f"half-{h}"
        half.mkdir(exist_ok=True)
        for f in files[h::2]:
            shutil.copy(f, half / f.name)
        halves.append(half)
    for r in range(rounds):
        root = work / f"builds-{r}"
        with ProcessPoolExecutor(max_workers=3) as pool:
            builds = [pool.submit(building, root, half, PHASES[:2]) for half in halves]
            tuned = pool.submit(tune_recording, root, r, n_trials, None)
            for build in builds:
                build.result()
            keys = reference.explored | tuned_keys(root, tuned.result())
        tally.check(root, keys, keys)
    return tally


# ---------------------------------------------------------------------- concurrency


def live_worker(root: Path, dataset_id: str, configs: list[Config]) -> set[Key]:
    """Stream runs, closing the writer every few rows and then reusing it or opening another."""
    writer = LiveWriter(root, "runs")
    for i, c in enumerate(configs):
        writer.write(run(dataset_id, c, i))
        if i % 4 == 3:
            writer.close()
            if i % 8 == 7:
                writer = LiveWriter(root, "runs")
    writer.close()
    return {(dataset_id, config_id(c)) for c in configs}


def append_worker(root: Path, dataset_id: str, configs: list[Config]) -> set[Key]:
    for i in range(0, len(configs), 5):
        kb = KnowledgeBase.empty()
        kb.runs = pd.DataFrame([run(dataset_id, c, j) for j, c in enumerate(configs[i: i + 5])])
        append(root, kb)
    return {(dataset_id, config_id(c)) for c in configs}


def until_done(root: Path, what: str) -> list[int]:
    """Compact, or count the runs loaded, again and again until the file ``done`` appears."""
    results = []
    while not (root / "done").exists():
        if what == "compact":
            compact(root)
            results.append(0)
        else:
            results.append(len(KnowledgeBase.load(root).runs))
    return results


def concurrent(work: Path, rounds: int, n_configs: int, n_trials: int) -> list[Tally]:
    tally, after = Tally("concurrent"), Tally("concurrent, then compact")
    for r in range(rounds):
        root = work / f"concurrent-{r}"
        configs = base(root, 3, n_configs)
        with ProcessPoolExecutor(max_workers=6) as pool:
            compactions = pool.submit(until_done, root, "compact")
            loads = pool.submit(until_done, root, "load")
            writers = [pool.submit(live_worker, root, "w0", configs), pool.submit(live_worker, root, "w1", configs),
                       pool.submit(append_worker, root, "w2", configs)]
            tuned = pool.submit(tune_recording, root, r, n_trials, None)
            try:
                keys = set().union(*(w.result() for w in writers))
                tuned_ids = tuned.result()
            finally:
                (root / "done").touch()
            try:
                counts, n_compactions = loads.result(), len(compactions.result())
            except Exception as exc:
                tally.fail(f"a concurrent load or compaction raised {type(exc).__name__}: {exc}")
                counts, n_compactions = [], 0
        if counts != sorted(counts):
            tally.fail(f"a concurrent load saw fewer runs than the one before: {counts}")
        keys |= tuned_keys(root, tuned_ids)
        tally.check(root, keys, keys)
        compact(root)  # every writer closed now: everything folds into one part per table
        after.check(root, keys, keys)
        left = [len(list((root / t).glob("*.csv*"))) for t in ("datasets", "configurations", "runs")]
        if left != [1, 1, 1] or not n_compactions:
            after.fail(f"after {n_compactions} concurrent compactions and a last one, parts per table: {left}")
    return [tally, after]


# ---------------------------------------------------------------------- torn rows and corrupt files


def torn_rows(work: Path, step: int) -> Tally:
    """Cut a live part at every ``step``-th byte of its last row; load must give the complete rows."""
    tally = Tally("torn-row")
    for table in ("runs", "configurations"):
        root = work / f"torn-{table}"
        configs = base(root, 1, 4, with_configs=table == "runs")
        writer, ends = LiveWriter(root, table), []
        for i, c in enumerate(configs):
            row = run("w0", c, 2) if table == "runs" else configuration_row(c, LIGHTGBM.family, 'origin "x", y')
            writer.write(row)
            ends.append(writer.path.stat().st_size)
        writer.close()
        data = writer.path.read_bytes()
        for cut in range(ends[-2], ends[-1], step):
            writer.path.write_bytes(data[:cut])
            tally.trials += 1
            tally.runs_expected += len(configs) - 1
            try:
                rows = getattr(KnowledgeBase.load(root), table)
            except Exception as exc:
                tally.fail(f"{table} cut at byte {cut}: {type(exc).__name__}: {exc}")
                continue
            complete = len(configs) - 1  # the rows before the torn one, the only rows of the table
            tally.runs_found += min(len(rows), complete)
            tally.runs_lost += max(0, complete - len(rows))
            tally.runs_duplicated += max(0, len(rows) - complete)
    return tally


def damages(template: Path, configs: list[Config], step: int) -> list[tuple[str, Callable[[Path], None]]]:
    """What to do to a copy of ``template`` (whose configurations are ``configs``): (name, function of
    the copy's folder)."""
    part = next((template / "runs").glob("*.csv.gz")).relative_to(template)
    size = (template / part).stat().st_size

    def truncate(n):
        return lambda root: (root / part).write_bytes((root / part).read_bytes()[:n])

    def flip(n):
        def damage(root):
            data = bytearray((root / part).read_bytes())
            data[n] ^= 0xFF
            (root / part).write_bytes(bytes(data))
        return damage

    def manifest(text):
        return lambda root: (root / "manifest.json").write_bytes(text)

    def rewrite(table, column, value):
        def damage(root):
            path = next((root / table).glob("*.csv.gz"))
            frame = pd.read_csv(path, dtype=str)
            frame.loc[len(frame) // 2, column] = value
            frame.to_csv(path, index=False, compression="gzip")
        return damage

    def garbage_row(root):
        writer = LiveWriter(root, "runs")
        writer.write(run("w0", configs[0], 0))
        writer.close()
        with open(writer.path, "a") as fh:
            fh.write('w0,"unclosed,,\n')
        writer.write(run("w0", configs[1], 1))
        writer.close()

    offsets = sorted({*range(0, size, step), *range(max(0, size - 12), size)})
    return [
        *((f"truncated gzip at {n}", truncate(n)) for n in offsets),
        *((f"gzip byte {n} flipped", flip(n)) for n in offsets),
        *((f"manifest {text!r}", manifest(text)) for text in
          (b"null", b"42", b"[1, 2]", b'"kb"', b"{", b"\x00\xff\xfe garbage", b'{"schema_version": 1}',
           b'{"schema_version": 1, "family": 3, "space_version": "x"}')),
        *((f"params {v!r}", rewrite("configurations", "params", v)) for v in ("{not json", "[1, 2]", "7")),
        *((f"{c} {v!r}", rewrite("runs", c, v)) for c, v in
          (("score_roc_auc", "inf"), ("score_roc_auc", "high"), ("score_neg_log_loss", "-1e300"),
           ("score_accuracy", "1.5"), ("best_iteration", "-3"))),
        ("a garbage row inside a live part", garbage_row),
    ]


def corrupt_files(work: Path, step: int) -> Tally:
    tally = Tally("corrupt-file")
    template = work / "corrupt-template"
    configs = base(template, 2, 30)
    kb = KnowledgeBase.load(template)
    kb.runs = pd.DataFrame([run(d, c, i) for d in ("w0", "w1") for i, c in enumerate(configs)])
    kb.save(template)
    original = KnowledgeBase.load(template)
    refused = unchanged = 0
    for t, (name, damage) in enumerate(damages(template, configs, step)):
        root = work / f"corrupt-{t}"
        shutil.copytree(template, root)
        damage(root)
        tally.trials += 1
        try:
            loaded = KnowledgeBase.load(root)
        except KnowledgeBaseError as exc:
            refused += 1
            if f"{root}/" not in str(exc) or "\n" in str(exc):
                tally.fail(f"{name}: the error is not one line naming the file: {exc}")
        except Exception as exc:
            tally.fail(f"{name}: {type(exc).__name__} instead of a clear error: {exc}")
        else:
            unchanged += 1
            if not all(getattr(loaded, t).equals(getattr(original, t)) for t in ("datasets", "configurations", "runs")):
                tally.fail(f"{name}: accepted, with different data")
        shutil.rmtree(root)
    tally.detail = f"{refused} refused with a one-line error naming the file, {unchanged} loaded unchanged"
    return tally


# ---------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a reduced form that takes seconds")
    parser.add_argument("--out", type=Path, default=Path("fault_injection.csv"), help="where the CSV table goes")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    quick = args.quick
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="metahpo-faults-") as tmp:
        work = Path(tmp)
        data = tiny_datasets(work / "data", 2 if quick else 4)
        reference = reference_build(work, data)
        scenarios = [
            lambda: kill_live_writer(work, 3 if quick else 30, rng),
            lambda: kill_tune(work, 2 if quick else 12, rng),
            lambda: kill_build(work, data, reference, 1 if quick else 10, 1 if quick else 4, rng),
            lambda: kill_batch(work, data, 1 if quick else 5, 1 if quick else 4, rng),
            lambda: kill_compact(work, 2 if quick else 30, rng),
            lambda: concurrent(work, 1 if quick else 3, 12 if quick else 80, 6 if quick else 30),
            lambda: concurrent_builds(work, data, reference, 1 if quick else 3, 8 if quick else 20),
            lambda: torn_rows(work, 11 if quick else 1),
            lambda: corrupt_files(work, 400 if quick else 40),
        ]
        tallies = []
        for scenario in scenarios:
            begin = time.perf_counter()
            result = scenario()
            for tally in result if isinstance(result, list) else [result]:
                tally.seconds = round(time.perf_counter() - begin, 1)
                tallies.append(tally)
    table = pd.DataFrame([{k: v for k, v in asdict(t).items() if k != "notes"} for t in tallies])
    print(table.to_string(index=False))
    print(f"{'quick' if quick else 'full'} form, {time.perf_counter() - start:.0f} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False)
    for note in [n for t in tallies for n in t.notes][:20]:
        print(note, file=sys.stderr)
    broken = table[["runs_lost", "runs_duplicated", "failures"]].to_numpy().sum()
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
