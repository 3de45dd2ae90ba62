"""Building a knowledge base: phases, density, resuming after a kill, broken datasets, Dask."""

import itertools
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metahpo import build
from metahpo.build import Builder, Source, described_as, find_sources
from metahpo.datasets import load
from metahpo.exceptions import ConfigError, DataError, DataWarning, KnowledgeBaseError
from metahpo.knowledge_base import KnowledgeBase, write_manifest
from metahpo.spaces import LIGHTGBM, config_id

SMALL = dict(n_random=2, n_local=1, pool_size=3, max_rows=120, cv=2, log=lambda line: None)


@pytest.fixture
def data_files(tmp_path):
    """Three small datasets as CSV files, one per task."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("iris", "breast_cancer", "diabetes"):
        ds = load(f"sklearn:{name}").subsample(120)
        ds.X.assign(target=ds.y).to_csv(folder / f"{name}.csv", index=False)
    return folder


def _build(out, files, **kw):
    return Builder(out, find_sources([str(p) for p in sorted(files.glob("*.csv"))]), **{**SMALL, **kw})


def test_build_is_dense_over_the_pool(tmp_path, data_files):
    kb = _build(tmp_path / "kb", data_files).run()
    info = kb.info()
    assert info["n_datasets"] == 3 and info["n_failed"] == 0
    by_origin = info["configurations_by_origin"]
    assert by_origin["pool"] == 3 and set(by_origin) == {"explore-local", "explore-random", "pool"}
    assert sum(by_origin.values()) == info["n_configurations"]
    assert info["cpu_hours"] == round(kb.runs["total_time"].sum() / 3600, 2)
    assert info["datasets_per_task"] == {"binary": 1, "multiclass": 1, "regression": 1}
    assert info["metafeatures"] >= 30
    origin = kb.configurations.set_index("config_id")["origin"]
    pool = origin.index[origin.str.match(r"pool\b")]
    assert len(pool) == 3
    # the defaults come from no dataset; every other configuration names the dataset that produced it
    producers = kb.producers()
    assert (producers[pool].map(len) > 0).sum() == 1 and producers[pool].map(len).max() >= 1
    explored = origin.index[origin.str.startswith("explore")]
    assert len(explored) >= 3 * 3 - len(pool) and (producers[explored].map(len) == 1).all()
    assert set().union(*producers) <= set(kb.datasets["dataset_id"])
    assert kb.matrix()[pool].notna().all().all()  # every pool configuration ran on every dataset
    explore = kb.runs.merge(kb.configurations, on="config_id")
    assert explore.groupby("dataset_id").size().min() >= 2 + 2 + 1  # defaults, random, local


def test_a_family_whose_space_depends_on_the_task_explores_each_datasets_own(tmp_path, data_files):
    kb = _build(tmp_path / "kb", data_files, family="linear").run()
    assert kb.family == "linear" and kb.info()["n_failed"] == 0
    params = kb.configurations.set_index("config_id")["params"].map(json.loads)
    ran = kb.runs.merge(kb.datasets[["dataset_id", "task"]], on="dataset_id")
    keys = ran.assign(keys=ran["config_id"].map(lambda cid: tuple(sorted(params[cid])))).groupby("task")["keys"]
    assert set(keys.unique()["regression"]) == {("alpha", "expansion")}  # ridge has no classes to weight
    assert {k for ks in keys.unique()[["binary", "multiclass"]] for k in ks} == {
        ("alpha", "class_weight", "expansion", "l1_ratio")}
    pool = params[kb.configurations.set_index("config_id")["origin"].str.match(r"pool\b")]
    classification = pool.index[pool.map(lambda p: "class_weight" in p)]
    regression = pool.index.difference(classification)
    assert 2 <= len(classification) <= 3 and 1 <= len(regression) <= 2  # a pool per task space, the default first
    ran = kb.matrix().notna()
    assert ran.loc["diabetes", regression].all() and not ran.loc["diabetes", classification].any()
    assert ran.loc[["iris", "breast_cancer"], classification].all().all()
    assert kb.info()["dense_configurations"] >= len(pool)  # each ran on every dataset of its task space


def test_an_evaluation_past_the_timeout_is_recorded_as_such_and_retried_only_with_more_time(tmp_path, data_files):
    kb = _build(tmp_path / "kb", data_files, timeout=0.0, family="linear").run(["describe", "explore"])
    assert set(kb.runs["status"]) == {"timeout"} and kb.runs["error"].str.startswith("stopped after 0 s").all()
    lines = []
    _build(tmp_path / "kb", data_files, timeout=0.0, family="linear", log=lines.append).run(["explore"])
    assert len(KnowledgeBase.load(tmp_path / "kb").runs) == len(kb.runs) and "explore: nothing to do" in lines
    again = _build(tmp_path / "kb", data_files, family="linear").run(["explore"])  # no timeout: tried again
    keys = ["dataset_id", "config_id"]
    assert again.runs.set_index(keys).loc[kb.runs.set_index(keys).index, "status"].eq("ok").all()


def test_a_timed_out_run_is_retried_given_more_time_than_it_had_whatever_ran_in_between(tmp_path, data_files):
    kb = _build(tmp_path / "kb", data_files, timeout=0.0, family="linear").run(["describe", "explore"])
    assert set(kb.runs["status"]) == {"timeout"}
    _build(tmp_path / "kb", data_files, family="linear").run(["describe"])  # no timeout, but no run evaluated
    _build(tmp_path / "kb", data_files, timeout=100.0, family="linear").run([])  # a longer one, no run either
    again = _build(tmp_path / "kb", data_files, timeout=50.0, family="linear").run(["explore"])  # more than 0 s
    keys = ["dataset_id", "config_id"]
    assert again.runs.set_index(keys).loc[kb.runs.set_index(keys).index, "status"].eq("ok").all()
    runs = pd.DataFrame({"status": ["timeout", "timeout", "ok"], "error": ["stopped after 1.23457 s", "", None]})
    assert _build(tmp_path / "x", data_files, timeout=1.2345678)._out_of_time(runs).tolist() == [
        False, False, False]  # the time given, as its error rounds it: not more; none said: not known to be more
    assert _build(tmp_path / "x", data_files)._out_of_time(runs).tolist() == [True, True, False]


def test_a_search_trial_past_the_timeout_is_evaluated_again_with_more_time(tmp_path, data_files):
    _build(tmp_path / "kb", data_files, family="linear").run(["describe", "explore"])
    kb = _build(tmp_path / "kb", data_files, family="linear", n_search=2, timeout=0.0).run(["search", "cross"])
    origin = kb.configurations.set_index("config_id")["origin"]
    searched = kb.runs[kb.runs["config_id"].map(origin).str.startswith(build.SEARCH_ORIGIN)]
    assert len(searched) == 3 * 2 and set(searched["status"]) == {"timeout"}
    lines = []  # the pool is chosen: the search adds no trial, but evaluates those again
    again = _build(tmp_path / "kb", data_files, family="linear", n_search=2, log=lines.append).run(["search", "cross"])
    keys = ["dataset_id", "config_id"]
    assert again.runs.set_index(keys).loc[searched.set_index(keys).index, "status"].eq("ok").all()
    assert len(again.runs) == len(kb.runs)  # the same trials, newer runs in place of the older; no new one
    assert any(line.startswith("search, trials out of time before:") for line in lines)


def test_rebuild_repeats_nothing(tmp_path, data_files):
    _build(tmp_path / "kb", data_files).run()
    before = KnowledgeBase.load(tmp_path / "kb").runs[["dataset_id", "config_id", "time"]]
    lines = []
    _build(tmp_path / "kb", data_files, log=lines.append).run()
    after = KnowledgeBase.load(tmp_path / "kb").runs[["dataset_id", "config_id", "time"]]
    assert len(after) == len(before)
    assert sorted(map(tuple, after.to_numpy())) == sorted(map(tuple, before.to_numpy()))
    assert any("nothing to do" in line for line in lines)


def test_reevaluate_runs_every_run_again_under_the_current_space(tmp_path, data_files, monkeypatch):
    from dataclasses import replace

    from metahpo.families import linear

    earlier = _build(tmp_path / "v1", data_files, family="linear").run(["describe", "explore"])
    changed = replace(linear.CLASSIFICATION, fixed={"tol": 0.5, "max_iter": 3}, version="linear-test")
    monkeypatch.setattr(linear, "CLASSIFICATION", changed)
    monkeypatch.setattr(linear, "BINARY", replace(changed, fixed={"tol": 0.5, "max_iter": 2}))
    monkeypatch.setattr(linear.LinearFamily, "space", changed)
    lines = []
    kb = _build(tmp_path / "v2", data_files, family="linear", log=lines.append).reevaluate(tmp_path / "v1")
    assert kb.space_version == "linear-test" and earlier.space_version == "linear-3"
    assert kb.provenance["reevaluates"] == str((tmp_path / "v1").resolve()) and kb.provenance["cv"] == SMALL["cv"]
    pairs = ["dataset_id", "config_id"]
    assert sorted(map(tuple, kb.runs[pairs].to_numpy())) == sorted(map(tuple, earlier.runs[pairs].to_numpy()))
    pd.testing.assert_frame_equal(kb.configurations, earlier.configurations)
    assert kb.datasets["dataset_id"].tolist() == earlier.datasets["dataset_id"].tolist()
    # the classification runs are the capped solver's, the regression ones (no fixed settings) as before
    scores = kb.matrix().compare(earlier.matrix())
    assert set(scores.index) == {"iris", "breast_cancer"}
    again = _build(tmp_path / "v2", data_files, family="linear", n_random=5, log=lines.append).reevaluate(
        tmp_path / "v1")  # resumed with other build settings: still the same re-evaluation
    assert len(again.runs) == len(kb.runs) and lines[-1] == "reevaluate: nothing to do"
    assert len(again.datasets) == len(kb.datasets) and len(again.configurations) == len(kb.configurations)


def test_reevaluate_writes_a_new_folder_on_the_rows_and_folds_of_the_old(tmp_path, data_files, monkeypatch):
    _build(tmp_path / "v1", data_files, family="linear").run(["describe", "explore"])
    _build(tmp_path / "other", data_files, family="linear").run(["describe"])
    for out, kw, match in [("v1", {}, "writes a new folder, not"), ("other", {}, "already holds a knowledge base"),
                           ("v2", {"cv": 3}, r"was built with --cv 2 \(not 3\)"),
                           ("v4", {"family": "lightgbm"}, "holds a linear knowledge base, not a lightgbm one")]:
        with pytest.raises(ConfigError, match=match):
            _build(tmp_path / out, data_files, **{"family": "linear", **kw}).reevaluate(tmp_path / "v1")
    assert not (tmp_path / "v2").exists() and not (tmp_path / "v4").exists()  # refused before writing anything
    before = (tmp_path / "other" / "manifest.json").read_text()
    with pytest.raises(ConfigError, match="already holds a knowledge base"):
        _build(tmp_path / "other", data_files, family="linear", n_random=5).reevaluate(tmp_path / "v1")
    assert (tmp_path / "other" / "manifest.json").read_text() == before  # not taken for a resumed build
    _build(tmp_path / "v4", data_files, family="linear").reevaluate(tmp_path / "v1")  # so v4 is still free
    lines = []
    monkeypatch.setattr(build, "_run", lambda s, configs, *a, **kw: [])  # nothing to learn from evaluating here
    extra = data_files / "more.csv"
    (data_files / "iris.csv").rename(extra)
    _build(tmp_path / "v3", data_files, family="linear", log=lines.append).reevaluate(tmp_path / "v1")
    assert "reevaluate: 1 input with no run in" in lines[0] and lines[0].endswith("left out (more)")


def test_resume_after_a_kill_runs_only_what_is_missing(tmp_path, data_files):
    out = tmp_path / "kb"
    kb = _build(out, data_files).run()
    pool = kb.configurations.loc[kb.configurations["origin"] == "pool", "config_id"].tolist()
    lost = kb.runs[kb.runs["config_id"].isin(pool)].index[:2]
    kb.runs = kb.runs.drop(index=lost)  # as if the build had been killed before these two
    kb.save(out)
    kept = kb.runs[["dataset_id", "config_id", "time"]]
    lines = []
    resumed = _build(out, data_files, log=lines.append).run()
    finished = {line.split(":")[0]: line for line in lines if " done," in line}
    assert sum(int(line.split("/")[1].split()[0]) for line in finished.values()) == 2  # only the lost two
    assert resumed.matrix()[pool].notna().all().all()
    again = resumed.runs.merge(kept, on=["dataset_id", "config_id"], suffixes=("", "_before"))
    assert len(again) == len(kept) and (again["time"] == again["time_before"]).all()


def test_the_search_continues_each_dataset_from_its_own_results_only(tmp_path, data_files, monkeypatch):
    priors, search = {}, build._search

    def spy(source, prior, *args, **kwargs):
        priors.setdefault(source.dataset_id, []).append([config_id(c) for c, _ in prior])
        return search(source, prior, *args, **kwargs)

    monkeypatch.setattr(build, "_search", spy)
    kb = _build(tmp_path / "kb", data_files, n_search=build.SEARCH_CHUNK + 1).run(["describe", "explore", "search"])
    origin = kb.configurations.set_index("config_id")["origin"]
    searched = kb.runs[kb.runs["config_id"].map(origin).str.startswith(build.SEARCH_ORIGIN)]
    assert (searched["status"] == "ok").all()
    assert searched.groupby("dataset_id").size().to_dict() == dict.fromkeys(["breast_cancer", "diabetes", "iris"], 5)
    assert (searched["config_id"].map(origin) == build.SEARCH_ORIGIN + ":" + searched["dataset_id"]).all()
    producers = kb.producers()
    for dataset_id, tasks in priors.items():  # two tasks: the second continues from the first's trials
        assert len(tasks) == 2 and set(tasks[0]) < set(tasks[1])
        assert len(set(tasks[1]) - set(tasks[0])) == build.SEARCH_CHUNK
        assert all(producers[cid] <= {dataset_id} for cid in tasks[1])  # its own runs and the defaults only
    # a leave-one-out copy without a dataset holds nothing its search produced
    assert not kb.without(["iris"]).runs["config_id"].isin(searched.loc[searched["dataset_id"] == "iris",
                                                                         "config_id"]).any()
    # the pool draws on the searched bests; once it is chosen, the search has nothing to add
    kb = _build(tmp_path / "kb", data_files, n_search=build.SEARCH_CHUNK + 1).run(["cross"])
    pool = kb.configurations.loc[kb.configurations["origin"].str.match(r"pool\b"), "config_id"]
    assert kb.matrix()[pool].notna().all().all() and pool.isin(searched["config_id"]).any()
    lines = []
    again = _build(tmp_path / "kb", data_files, n_search=build.SEARCH_CHUNK + 1, log=lines.append).run()
    assert len(again.runs) == len(kb.runs) and "search: the pool is chosen; nothing to do" in lines


def test_more_search_trials_run_only_the_new_ones_and_a_rerun_repeats_the_same(tmp_path, data_files):
    phases = ["describe", "explore", "search"]
    first = _build(tmp_path / "kb", data_files, n_search=2).run(phases)
    more = _build(tmp_path / "kb", data_files, n_search=3).run(phases)
    assert len(more.runs) == len(first.runs) + 3
    kept = more.runs.merge(first.runs, on=["dataset_id", "config_id"], suffixes=("", "_before"))
    assert len(kept) == len(first.runs) and (kept["time"] == kept["time_before"]).all()
    again = _build(tmp_path / "other", data_files, n_search=2).run(phases)  # as a task killed and rerun
    assert set(again.runs["config_id"]) == set(first.runs["config_id"])  # seeded by the dataset and its progress


def test_a_failed_run_is_in_the_search_prior_as_failed(tmp_path, data_files, monkeypatch):
    kb = _build(tmp_path / "kb", data_files).run(["describe", "explore"])
    params = kb.configurations.set_index("config_id")["params"]
    failed = next(cid for cid in kb.runs.loc[kb.runs["dataset_id"] == "iris", "config_id"]
                  if "n_estimators" not in params[cid])
    kb.runs.loc[(kb.runs["dataset_id"] == "iris") & (kb.runs["config_id"] == failed), "status"] = "failed"
    kb.save(tmp_path / "kb")
    priors, search = {}, build._search

    def spy(source, prior, *args, **kwargs):
        priors[source.dataset_id] = {config_id(c): score for c, score in prior}
        return search(source, prior, *args, **kwargs)

    monkeypatch.setattr(build, "_search", spy)
    _build(tmp_path / "kb", data_files, n_search=1).run(["search"])
    assert np.isnan(priors["iris"][failed])  # known to the search, so it is not proposed again
    assert sum(np.isnan(list(priors["iris"].values()))) == 1 and len(priors["iris"]) == len(priors["diabetes"])


def test_a_dataset_that_no_longer_loads_ends_the_search_with_a_line(tmp_path, data_files, monkeypatch):
    _build(tmp_path / "kb", data_files).run(["describe", "explore"])
    (data_files / "iris.csv").write_text("a,target\n1,x\n2,x\n3,x\n")  # a single class now
    build._dataset_and_folds.cache_clear()
    monkeypatch.setattr(build, "fingerprint", lambda spec: None)  # as a named dataset would change: unseen
    lines = []
    kb = _build(tmp_path / "kb", data_files, n_search=2, log=lines.append).run(["search"])
    origin = kb.runs["config_id"].map(kb.configurations.set_index("config_id")["origin"])
    assert origin.str.startswith(build.SEARCH_ORIGIN).groupby(kb.runs["dataset_id"]).sum().to_dict() == {
        "breast_cancer": 2, "diabetes": 2, "iris": 0}
    assert lines[-1] == "search: no progress on 1 dataset (iris); stopping"


def test_broken_dataset_is_reported_and_the_build_goes_on(tmp_path, data_files):
    (data_files / "broken.csv").write_text("a,target\n1,x\n2,x\n3,x\n")  # a single class
    lines = []
    kb = _build(tmp_path / "kb", data_files, log=lines.append).run()
    assert kb.info()["n_datasets"] == 3
    assert any("broken" in line and "single class" in line for line in lines)


@dataclass(frozen=True)
class _OutOfMemoryOnceArmed(Source):
    """A dataset whose loading kills the process it runs in once file ``armed`` exists, as the system
    kills a worker that runs out of memory."""

    armed: str = ""

    def load(self, max_rows):
        if Path(self.armed).exists():
            os._exit(1)
        return super().load(max_rows)


def _iris_dying_once(armed, data_files):
    """The data files as sources, iris's loading killing its process once ``armed`` exists."""
    return [_OutOfMemoryOnceArmed(**asdict(s), armed=str(armed)) if s.dataset_id == "iris" else s
            for s in find_sources([str(p) for p in sorted(data_files.glob("*.csv"))])]


def test_a_dataset_that_kills_its_worker_is_recorded_and_the_build_goes_on(tmp_path, data_files):
    armed = tmp_path / "armed"
    sources = _iris_dying_once(armed, data_files)
    lines = []
    builder = Builder(tmp_path / "kb", sources, **{**SMALL, "log": lines.append, "n_jobs": 2})
    builder.run(["describe"])
    armed.touch()  # iris kills its worker from the explore phase on
    kb = builder.run(["explore", "cross"])
    assert kb.info()["n_datasets"] == 3
    iris = kb.runs[kb.runs["dataset_id"] == "iris"]
    assert len(iris) >= 2 + 2 and iris["status"].eq("failed").all()  # recorded, so a rerun does not die again
    assert iris["error"].str.startswith("WorkerDeath: its worker process died, also when run alone").all()
    others = kb.runs[kb.runs["dataset_id"] != "iris"]
    pool = kb.configurations.loc[kb.configurations["origin"].str.match(r"pool\b"), "config_id"]
    assert others["status"].eq("ok").all() and kb.matrix().loc[["breast_cancer", "diabetes"], pool].notna().all().all()
    assert any(line.startswith("explore: iris: its worker process died") for line in lines)
    n_runs = len(kb.runs)
    assert len(builder.run(["explore", "cross"]).runs) == n_runs


def test_a_dataset_whose_worker_dies_while_it_is_described_is_logged_and_left_out(tmp_path, data_files):
    armed = tmp_path / "armed"
    armed.touch()
    sources = _iris_dying_once(armed, data_files)
    lines = []
    kb = Builder(tmp_path / "kb", sources, **{**SMALL, "log": lines.append, "n_jobs": 2}).run(["describe"])
    assert sorted(kb.datasets["dataset_id"]) == ["breast_cancer", "diabetes"]
    assert any(line.startswith("describe: iris: its worker process died, also when run alone") for line in lines)


KILLED_IN_PROCESS = '''
import sys
from pathlib import Path
from metahpo.build import Builder
from tests.test_build import SMALL, _iris_dying_once

kb, armed, data_files = sys.argv[1:]
Builder(kb, _iris_dying_once(armed, Path(data_files)), **{**SMALL, "n_jobs": 1}).run(["explore"])
'''


def test_a_dataset_that_killed_the_build_process_is_recorded_on_the_rerun(tmp_path, data_files):
    armed, kb, script = tmp_path / "armed", tmp_path / "kb", tmp_path / "killed.py"
    lines = []
    builder = Builder(kb, _iris_dying_once(armed, data_files), **{**SMALL, "log": lines.append, "n_jobs": 1})
    builder.run(["describe"])
    armed.touch()
    script.write_text(KILLED_IN_PROCESS)
    run = subprocess.run([sys.executable, str(script), str(kb), str(armed), str(data_files)], capture_output=True,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    assert run.returncode == 1, run.stderr.decode()[-2000:]  # iris killed the build's own process

    kb = builder.run(["explore", "cross"])  # iris runs alone in each phase, in a process of its own
    iris = kb.runs[kb.runs["dataset_id"] == "iris"]
    assert len(iris) >= 2 + 2 and iris["status"].eq("failed").all()
    assert iris["error"].str.startswith("WorkerDeath: its worker process died, also when run alone").all()
    assert kb.runs.loc[kb.runs["dataset_id"] != "iris", "status"].eq("ok").all()
    assert any(line.startswith("cross: iris: its worker process died") for line in lines)


def test_find_sources_rejects_unknown_input(tmp_path):
    with pytest.raises(DataError, match="no such dataset"):
        find_sources([str(tmp_path / "missing.csv")])


def test_a_build_never_mixes_two_families_in_one_folder(tmp_path, data_files):
    _build(tmp_path / "kb", data_files, family="lightgbm").run([])
    with pytest.raises(ConfigError, match="holds a lightgbm knowledge base; building the linear family into it"):
        _build(tmp_path / "kb", data_files, family="linear").run([])


def test_a_manifest_names_files_only_inside_its_folders(tmp_path, data_files):
    (data_files / "manifest.csv").write_text("file,target,name\niris.csv,target,../../escape\n")
    with pytest.raises(DataError, match="name '../../escape' names the dataset's files"):
        find_sources([str(data_files)])
    (data_files / "manifest.csv").write_text("file,target\niris.csv,target\n")
    assert [s.dataset_id for s in find_sources([str(data_files / "manifest.csv")])] == ["iris"]  # the file: its folder


def test_find_sources_reads_a_list_file(tmp_path, data_files):
    listing = tmp_path / "list.txt"
    listing.write_text(f"# datasets\n{data_files / 'iris.csv'},target\n{data_files / 'diabetes.csv'}\n")
    assert [s.dataset_id for s in find_sources([str(listing)])] == ["iris", "diabetes"]
    listing.write_text(f"{data_files / 'iris.csv'}\nmissing.csv\n")  # loaded, failed and recorded later
    assert [s.dataset_id for s in find_sources([str(listing)])] == ["iris", "missing"]
    listing.write_text(f" {data_files / 'iris.csv'} , target \n")  # spaces around a path or target are not theirs
    assert [(s.dataset_id, s.spec, s.target) for s in find_sources([str(listing)])] == [
        ("iris", str(data_files / "iris.csv"), "target")]


def test_build_runs_on_a_local_dask_cluster(tmp_path, data_files):
    distributed = pytest.importorskip("dask.distributed")
    from metahpo.cli import parallel_backend

    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        with parallel_backend(cluster.scheduler_address):
            searched = _build(tmp_path / "kb", data_files, n_jobs=2, n_search=1).run(["describe", "explore", "search"])
            kb = _build(tmp_path / "kb", data_files, n_jobs=2, n_search=1).run()
    assert kb.info()["n_datasets"] == 3 and kb.info()["n_failed"] == 0
    # each search trial ran and was recorded in its worker's task, not sent further by a nested backend
    assert searched.info()["configurations_by_origin"][build.SEARCH_ORIGIN] == 3


# ---------------------------------------------------------------- a user's own history


def test_ingest_a_csv_history_keeps_the_kb_sparse(tmp_path):
    from metahpo.build import ingest
    from metahpo.spaces import LIGHTGBM

    ds = load("sklearn:breast_cancer").subsample(150)
    history = pd.DataFrame([{"learning_rate": 0.05, "num_leaves": 15, "score": 0.97},
                            {"learning_rate": 0.2, "score": 0.95},                    # others take defaults
                            {"learning_rate": -1.0, "score": 0.5},                    # invalid: skipped
                            {"learning_rate": 0.1, "score": float("nan")}])           # no score: skipped
    counts = ingest(tmp_path / "mine", ds, history, metric="roc_auc")
    assert counts == {"ingested": 2, "skipped": 2,
                      "skipped_why": {"a configuration outside the space's ranges": 1, "no score": 1}}
    kb = KnowledgeBase.load(tmp_path / "mine")
    assert kb.info()["n_datasets"] == 1 and kb.info()["metafeatures"] >= 30
    params = kb.params(kb.runs["config_id"])
    assert {p["learning_rate"] for p in params} == {0.05, 0.2}
    assert all(p["min_child_samples"] == LIGHTGBM.default["min_child_samples"] for p in params)
    assert sorted(kb.runs["score_roc_auc"]) == [0.95, 0.97]


def test_ingest_an_optuna_study_that_minimized_a_loss(tmp_path):
    optuna = pytest.importorskip("optuna")
    from metahpo.build import ingest

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize")
    study.optimize(lambda t: t.suggest_float("learning_rate", 0.01, 0.3, log=True), n_trials=3)
    ds = load("sklearn:iris")
    assert ingest(tmp_path / "mine", ds, study, metric="neg_log_loss", greater_is_better=False)["ingested"] == 3
    runs = KnowledgeBase.load(tmp_path / "mine").runs
    assert (runs["score_neg_log_loss"] < 0).all()
    with pytest.raises(DataError, match="the Optuna study minimized its value: pass greater_is_better=False"):
        ingest(tmp_path / "mine", ds, study, metric="neg_log_loss")


def test_ingest_keeps_only_finished_trials_and_never_stores_what_could_not_be_loaded(tmp_path):
    from metahpo.build import ingest

    ds = load("sklearn:breast_cancer").subsample(150)
    studied = pd.DataFrame({"learning_rate": [0.05, 0.1, 0.2], "score": [0.97, 0.90, 0.95],
                            "status": ["ok", "pruned", "ok"]})  # as Study.trials_dataframe() gives them
    assert ingest(tmp_path / "mine", ds, studied, metric="roc_auc") == {
        "ingested": 2, "skipped": 1, "skipped_why": {"not a finished trial": 1}}
    with pytest.raises(DataError, match=r"history row 2: roc_auc 1.7 is not in \[0, 1\]"):
        ingest(tmp_path / "mine", ds, pd.DataFrame({"learning_rate": [0.1, 0.2], "score": [0.9, 1.7]}),
               metric="roc_auc")
    with pytest.raises(DataError, match=r"neg_log_loss 0.3 is not in .*are the scores losses"):
        ingest(tmp_path / "mine", ds, pd.DataFrame({"learning_rate": [0.1], "score": [0.3]}), metric="neg_log_loss")
    assert len(KnowledgeBase.load(tmp_path / "mine").runs) == 2  # still loads, with the first two alone


def test_ingest_reads_lightgbms_names_and_skips_rows_of_other_models_or_bad_cells(tmp_path):
    from metahpo.build import ingest

    ds = load("sklearn:breast_cancer").subsample(150)
    history = pd.DataFrame({"eta": [0.05, 0.05, 0.05, "oops", 0.05], "feature_fraction": [0.5, 0.7, 0.9, 0.9, 0.9],
                            "num_leaves": [15, None, 63, 63, 63], "max_depth": [None, None, None, None, 4],
                            "seed": [1, 2, 3, 4, 5], "score": [0.95, 0.96, 0.94, 0.93, 0.92]})
    counts = ingest(tmp_path / "mine", ds, history, metric="roc_auc")
    assert counts == {"ingested": 3, "skipped": 2, "skipped_why": {
        "a parameter that is not a number": 1, "sets max_depth, outside metahpo's space": 1}}
    params = KnowledgeBase.load(tmp_path / "mine").params(KnowledgeBase.load(tmp_path / "mine").runs["config_id"])
    assert [(p["colsample_bytree"], p["num_leaves"]) for p in params] == [(0.5, 15), (0.7, 31), (0.9, 63)]
    assert all(type(p["num_leaves"]) is int for p in params)  # a blank cell made the column floats
    with pytest.raises(DataError, match=r"no row of the history could be ingested \(1 row: 1 sets max_depth"):
        ingest(tmp_path / "none", ds, history.iloc[[4]], metric="roc_auc")
    assert not (tmp_path / "none").exists()


def test_ingest_averages_the_scores_of_a_configuration_tried_more_than_once(tmp_path):
    from metahpo.build import ingest

    ds = load("sklearn:breast_cancer").subsample(150)
    history = pd.DataFrame({"learning_rate": [0.05, 0.1, 0.05], "score": [0.95, 0.90, 0.97]})
    assert ingest(tmp_path / "kb", ds, history, metric="roc_auc") == {"ingested": 2, "skipped": 0, "averaged": 1}
    runs = KnowledgeBase.load(tmp_path / "kb").runs
    assert sorted(runs["score_roc_auc"]) == pytest.approx([0.90, 0.96])


def test_ingest_takes_a_history_logged_with_lightgbms_get_params(tmp_path):
    import lightgbm as lgb

    from metahpo.build import ingest

    ds = load("sklearn:breast_cancer").subsample(150)
    logged = [lgb.LGBMClassifier(learning_rate=0.05, num_leaves=15).get_params(),  # every default, subsample_freq 0
              lgb.LGBMClassifier(subsample=0.7).get_params(),                     # bagging off: subsample unused
              lgb.LGBMClassifier(max_depth=4).get_params()]                       # another model than the space's
    path = tmp_path / "history.csv"
    pd.DataFrame([{**p, "score": score} for p, score in zip(logged, [0.97, 0.95, 0.96])]).to_csv(path, index=False)
    counts = ingest(tmp_path / "kb", ds, pd.read_csv(path), metric="roc_auc")
    assert counts == {"ingested": 2, "skipped": 1, "skipped_why": {"sets max_depth, outside metahpo's space": 1}}
    kb = KnowledgeBase.load(tmp_path / "kb")
    params = sorted(kb.params(kb.runs["config_id"]), key=lambda p: p["learning_rate"])
    assert [(p["learning_rate"], p["num_leaves"], p["subsample"]) for p in params] == [(0.05, 15, 1.0), (0.1, 31, 1.0)]


def test_ingest_adds_scores_on_another_metric_and_keeps_a_configurations_origin(tmp_path):
    from metahpo import knowledge_base as kbm
    from metahpo.build import ingest
    from metahpo.evaluation import Evaluation
    from metahpo.spaces import LIGHTGBM, early_stopped

    ds = load("sklearn:breast_cancer").subsample(150)
    pooled = early_stopped(LIGHTGBM.default)
    built = KnowledgeBase.empty()
    built.add_dataset("elsewhere", name="elsewhere", task="binary", n_rows=1, n_features=1, metafeatures={})
    built.add_evaluation("elsewhere", Evaluation(pooled, "roc_auc", scores={"roc_auc": 0.8}), cv=3, origin="pool")
    kbm.append(tmp_path / "kb", built)
    history = pd.DataFrame({"learning_rate": [0.1, 0.05], "score": [0.97, 0.95]})  # the first is the pooled one
    ingest(tmp_path / "kb", ds, history, metric="roc_auc")
    ingest(tmp_path / "kb", ds, history.assign(score=[0.91, 0.90]), metric="accuracy")
    kb = KnowledgeBase.load(tmp_path / "kb")
    origin = kb.configurations.set_index("config_id")["origin"]
    assert origin[config_id(pooled)] == "pool" and kb.pool_ids() == [config_id(pooled)]
    mine = kb.runs[kb.runs["dataset_id"] != "elsewhere"].sort_values("score_roc_auc")
    assert mine[["score_roc_auc", "score_accuracy"]].to_numpy().tolist() == [[0.95, 0.90], [0.97, 0.91]]
    with pytest.raises(DataError, match="roc_auc grows as models improve, so its scores are no loss to negate"):
        ingest(tmp_path / "kb", ds, history, metric="roc_auc", greater_is_better=False)


@pytest.mark.parametrize("history, metric, message", [
    (pd.DataFrame([[15, 16, 0.9]], columns=["num_leaves", "num_leaves", "score"]), "roc_auc",
     "history: duplicate column names: num_leaves"),
    (pd.DataFrame({"learning_rate": [0.1], "num_leavs": [200], "score": [0.9]}), "roc_auc",
     r"history column 'num_leavs' is no LightGBM parameter \(did you mean 'num_leaves'\?\)"),
    (pd.DataFrame({"learning_rate": [0.1], "params_learning_rate": [0.2], "score": [0.9]}), "roc_auc",
     "history columns 'learning_rate' and 'params_learning_rate' both give 'learning_rate'"),
    (pd.DataFrame({"learning_rate": [0.1], "value": [0.8], "score": [0.9]}), "roc_auc",
     "history columns 'value' and 'score' both give 'score'"),
    (pd.DataFrame({"learning_rate": [0.1]}), "roc_auc", "no 'score'"),
    (pd.DataFrame({"eta": [0.1], "learning_rate": [0.1], "score": [0.9]}), "roc_auc",
     "history columns 'eta' and 'learning_rate' are the same LightGBM parameter"),
    (pd.DataFrame({"lr": [0.1], "score": [0.9]}), "roc_auc", "no column of a lightgbm parameter"),
    (pd.DataFrame({"score": [0.1]}), "r2", "not stored for binary"),
    ("not a frame", "roc_auc", "DataFrame"),
])
def test_ingest_bad_history(tmp_path, history, metric, message):
    from metahpo.build import ingest

    with pytest.raises(DataError, match=message):
        ingest(tmp_path / "mine", load("sklearn:breast_cancer"), history, metric=metric)


def test_find_sources_takes_a_folder_of_files(data_files):
    assert [s.dataset_id for s in find_sources([str(data_files)])] == ["breast_cancer", "diabetes", "iris"]
    (data_files / "more").mkdir()
    shutil.copy(data_files / "iris.csv", data_files / "more" / "flowers.csv")
    with pytest.warns(DataWarning, match="subfolders are not read .give them as inputs of their own.: more"):
        assert len(find_sources([str(data_files)])) == 3
    shutil.rmtree(data_files / "more")
    shutil.copy(data_files / "iris.csv", data_files / "iris.tsv")
    with pytest.raises(DataError, match=r"2 inputs would be the dataset 'iris' \(.*iris.csv, .*iris.tsv\): give one "
                                        r"of them, or list them in a manifest.csv with a name column"):
        find_sources([str(data_files)])


def test_a_folder_with_a_manifest_lists_its_datasets_with_text_and_missing_values(tmp_path):
    import numpy as np

    folder = tmp_path / "corpus"
    folder.mkdir()
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"colour": rng.choice(["red", "green", None], 300), "size": rng.normal(size=300),
                          "label": rng.choice(["yes", "no"], 300)})
    frame.loc[::7, "size"] = np.nan
    frame.loc[::50, "label"] = None  # rows whose target is missing are not examples
    frame.to_parquet(folder / "shop.parquet")
    pd.DataFrame({"file": ["shop.parquet"], "name": ["shop"], "target": ["label"], "task": ["binary"]}).to_csv(
        folder / "manifest.csv", index=False)
    (source,) = find_sources([str(folder)])
    with pytest.warns(DataWarning, match=r"^shop.parquet: 6 rows of 300 without a target \('label'\) left out, as a "
                                         r"manifest's datasets are read$"):
        data = source.load(1000)
    assert source.dataset_id == "shop" and data.task == "binary" and data.n_rows == 300 - 6
    assert data.categorical == ("colour",) and data.X["size"].isna().any()
    (folder / "manifest.csv").write_text("file,name\nshop.parquet,shop\n")
    with pytest.raises(DataError, match="manifest.csv lacks 1 column: target$"):
        find_sources([str(folder)])


def test_larger_versions_of_a_dataset_are_built_beside_the_capped_one(tmp_path, data_files):
    from metahpo.build import sized

    big = tmp_path / "big.csv"
    X, y = load("sklearn:breast_cancer").X, load("sklearn:breast_cancer").y
    X.assign(target=y).to_csv(big, index=False)  # 569 rows
    sources = sized(find_sources([str(big), str(data_files / "iris.csv")]), 100, [200, 250, 1000])
    # 250 is too close to 200 to be a version of its own; iris (120 rows) is too small for any
    assert [(s.dataset_id, s.max_rows) for s in sources] == [("big", None), ("big@200", 200), ("big@569", 569),
                                                            ("iris", None)]
    assert sources[2].load(100).n_rows == 569 and sources[0].load(100).n_rows == 100
    broken = tmp_path / "broken.csv"
    broken.write_text("a,b\n1,2\n")  # no target column: the describe phase records why, the build goes on
    assert [s.dataset_id for s in sized(find_sources([str(broken), str(big)]), 100, [200])] == [
        "broken", "big", "big@200"]


def test_the_pool_is_written_whole_in_one_atomic_part(tmp_path, data_files, monkeypatch):
    import metahpo.knowledge_base as kbm

    builder = _build(tmp_path / "kb", data_files)
    builder.run(["describe", "explore"])
    written = []
    real = kbm._write_part
    monkeypatch.setattr(kbm, "_write_part", lambda folder, frame, *a, **k: written.append(len(frame)) or real(folder, frame, *a, **k))
    pool = builder.pool(KnowledgeBase.load(tmp_path / "kb"))
    assert written == [len(pool)] == [3]  # a kill before the rename leaves no pool, never part of one


def test_ctrl_c_in_a_search_task_stops_the_build_rather_than_keep_a_part_of_it(monkeypatch):
    calls, real = itertools.count(), build.evaluate

    def interrupted_at_the_second(*args, **kwargs):
        if next(calls) == 1:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(build, "evaluate", interrupted_at_the_second)
    with pytest.raises(KeyboardInterrupt):  # not one trial of three recorded as the task's whole result
        build._search(Source("iris", "sklearn:iris"), [], n_trials=3, seed=0, max_rows=100, cv=2, family="lightgbm")


def test_a_build_resumes_only_with_its_folds_and_rows_and_chooses_its_pool_after_explore(tmp_path, data_files):
    with pytest.raises(ConfigError, match=r"the pool is chosen once, from the explore phase's bests, but 3 described "
                                          r"datasets \(.*\) have no explore run on its data yet .*: run the explore "
                                          r"phase first"):
        _build(tmp_path / "kb", data_files).run(["describe", "cross"])
    for changed, message in (({"cv": 3}, "cv 2 .now 3."), ({"max_rows": 100}, "max_rows 120 .now 100.")):
        with pytest.raises(ConfigError, match=f"was built with {message}: its runs would not compare with new ones"):
            _build(tmp_path / "kb", data_files, **changed).run(["describe"])
    _build(tmp_path / "kb", data_files, n_random=3).run([])  # more trials add to a build, and the manifest says so
    provenance = json.loads((tmp_path / "kb" / "manifest.json").read_text())["provenance"]
    assert provenance["n_random"] == 3 and [p["n_random"] for p in provenance["earlier"]] == [2]
    _build(tmp_path / "kb", data_files, n_random=3).run([])  # the same settings again: nothing to add
    assert json.loads((tmp_path / "kb" / "manifest.json").read_text())["provenance"] == provenance



def test_a_build_refuses_to_resume_over_data_that_changed(tmp_path, data_files):
    _build(tmp_path / "kb", data_files).run(["describe"])
    fingerprints = KnowledgeBase.load(tmp_path / "kb").datasets["fingerprint"]
    assert fingerprints.str.startswith("sha1:").all() and fingerprints.nunique() == 3
    _build(tmp_path / "kb", data_files).run(["describe"])  # the same data: resumed
    path = data_files / "iris.csv"
    frame = pd.read_csv(path)
    frame.iloc[0, 0] += 1
    frame.to_csv(path, index=False)
    with pytest.raises(ConfigError, match="the data of 1 dataset changed since .* described it: iris; its runs"):
        _build(tmp_path / "kb", data_files).run(["describe"])
    (tmp_path / "kb" / "manifest.json").unlink()  # its settings, family and fingerprints' checks gone with it
    with pytest.raises(KnowledgeBaseError, match="but no manifest.json"):
        _build(tmp_path / "kb", data_files).run(["describe"])


def test_a_build_refuses_to_resume_a_dataset_whose_manifest_names_another_target_or_task(tmp_path, data_files):
    manifest = data_files / "manifest.csv"
    pd.DataFrame({"file": ["diabetes.csv"], "target": ["target"]}).to_csv(manifest, index=False)
    Builder(tmp_path / "kb", find_sources([str(data_files)]), **SMALL).run(["describe"])
    assert KnowledgeBase.load(tmp_path / "kb").datasets["fingerprint"].str.endswith("|target=target|task=").all()
    files = [str(data_files / "iris.csv")]
    Builder(tmp_path / "kb2", find_sources(files), **SMALL).run(["describe"])
    Builder(tmp_path / "kb2", find_sources(files, target="target"), **SMALL).run(["describe"])  # the default, named
    assert (described_as(Source("x", "openml:31", "class")), described_as(Source("x", "openml:31"))) == (
        "|target=class|task=", "|target=|task=")  # a named dataset: no data to hash, its target checked all the same
    for change, message in (({"target": ["bmi"]}, "the target of 1 dataset changed .*: diabetes \\(target, now bmi\\)"),
                            ({"target": ["target"], "task": ["binary"]},
                             "the task of 1 dataset changed .*: diabetes \\(regression, now binary\\)")):
        pd.DataFrame({"file": ["diabetes.csv"], **change}).to_csv(manifest, index=False)
        with pytest.raises(ConfigError, match=message):
            Builder(tmp_path / "kb", find_sources([str(data_files)]), **SMALL).run(["describe"])


def test_a_dataset_whose_task_is_no_longer_given_keeps_the_one_it_was_given(tmp_path, data_files):
    manifest = data_files / "manifest.csv"
    given = {"file": ["iris.csv", "diabetes.csv"], "target": ["target"] * 2}
    pd.DataFrame({**given, "task": ["regression"] * 2}).to_csv(manifest, index=False)  # iris's classes as numbers
    Builder(tmp_path / "kb", find_sources([str(data_files)]), **SMALL).run(["describe"])
    pd.DataFrame(given).to_csv(manifest, index=False)  # the task column dropped: iris is inferred multiclass
    with pytest.raises(ConfigError, match=r"the task of 1 dataset changed .*: iris \(regression as given, now "
                                          r"multiclass as inferred from its data: give its task again\); its runs"):
        Builder(tmp_path / "kb", find_sources([str(data_files)]), **SMALL).run(["describe", "explore"])
    assert KnowledgeBase.load(tmp_path / "kb").runs.empty  # refused before any run of the other task
    pd.DataFrame({**given, "task": ["regression", None]}).to_csv(manifest, index=False)  # diabetes: regression too
    Builder(tmp_path / "kb", find_sources([str(data_files)]), **SMALL).run(["describe"])
    assert KnowledgeBase.load(tmp_path / "kb").datasets["fingerprint"].str.endswith("|task=regression").all()
    assert (build._recorded("sha1:x|target=y"), build._recorded("sha1:x")) == (  # an older build's records
        ("sha1:x", "y", None), ("sha1:x", None, None))


def test_a_dataset_name_holding_the_mark_of_a_larger_version_is_refused(tmp_path, data_files):
    from metahpo.build import sized

    shutil.copy(data_files / "iris.csv", data_files / "iris@600.csv")
    with pytest.raises(DataError, match=r"a dataset's name may not hold '@', the mark of a larger version of a dataset "
                                        r"\(NAME@ROWS, see --sizes\): iris@600 \(.*iris@600.csv\); rename the file"):
        sized(find_sources([str(data_files)]), 100, [])


def test_a_resumed_reevaluation_keeps_its_settings_and_logs_none_of_a_builds(tmp_path, data_files):
    _build(tmp_path / "v1", data_files, family="linear").run()
    first = _build(tmp_path / "v2", data_files, family="linear").reevaluate(tmp_path / "v1")
    lines = []  # resumed by a builder of other settings (the defaults: 8 random, a pool of 100)
    again = Builder(tmp_path / "v2", find_sources([str(p) for p in sorted(data_files.glob("*.csv"))]), family="linear",
                    max_rows=SMALL["max_rows"], cv=SMALL["cv"], log=lines.append).reevaluate(tmp_path / "v1")
    assert first.provenance["builder"] == "metahpo.build reevaluate" and again.provenance == first.provenance
    assert lines == ["reevaluate: nothing to do"]
    timed = _build(tmp_path / "v3", data_files, family="linear", timeout=0.0).reevaluate(tmp_path / "v1")
    assert timed.provenance["timeout"] == 0.0 and set(timed.runs["status"]) == {"timeout"}  # the runs' own, not v1's
    write_manifest(tmp_path / "lgbm", "lightgbm", LIGHTGBM.version, {})  # an empty knowledge base of another family
    with pytest.raises(ConfigError, match="holds a lightgbm knowledge base; re-evaluate .* into a new folder"):
        _build(tmp_path / "lgbm", data_files, family="linear").reevaluate(tmp_path / "v1")


def test_runs_on_data_that_could_not_be_loaded_are_run_again(tmp_path, data_files):
    sources = find_sources([str(p) for p in sorted(data_files.glob("*.csv"))])
    Builder(tmp_path / "kb", sources, **SMALL).run(["describe"])
    moved = data_files / "iris.csv"
    moved.rename(tmp_path / "iris.csv")  # gone for a while
    kb = Builder(tmp_path / "kb", sources, **SMALL).run(["explore"])
    failed = kb.runs[kb.runs["dataset_id"].eq("iris")]
    assert len(failed) and failed["error"].str.startswith("not loaded: DataError: no such file").all()
    with pytest.raises(ConfigError, match=r"1 described dataset \(iris\) has no explore run on its data yet"):
        Builder(tmp_path / "kb", sources, **SMALL).run(["cross"])  # a pool chosen now would lack its best for good
    lines = []  # given without it, the build says what the pool is chosen without (in a copy: the pool is for good)
    shutil.copytree(tmp_path / "kb", tmp_path / "without")
    Builder(tmp_path / "without", [s for s in sources if s.dataset_id != "iris"], **{**SMALL, "log": lines.append}).run(
        ["cross"])
    assert ("cross: the pool is chosen without 1 dataset described earlier, with no explore run on its data and not "
            "among this build's inputs: iris") in lines
    (tmp_path / "iris.csv").rename(moved)
    kb = Builder(tmp_path / "kb", sources, **SMALL).run(["explore"])
    again = kb.runs[kb.runs["dataset_id"].eq("iris")]
    assert set(failed["config_id"]) < set(again["config_id"])  # and the perturbations of its best, which it now has
    assert again["status"].eq("ok").all()  # the newer run of each replaced the failure
    kb = Builder(tmp_path / "kb", sources, **SMALL).run(["cross"])
    assert kb.runs.loc[kb.runs["dataset_id"].eq("iris"), "status"].eq("ok").all()


def test_kb_build_reevaluate_on_the_command_line_takes_the_knowledge_bases_family(tmp_path, data_files, capsys):
    from metahpo.cli import main

    _build(tmp_path / "v1", data_files, family="linear").run(["describe", "explore"])
    before = (tmp_path / "v1" / "manifest.json").read_text()
    args = ["kb", "build", *map(str, sorted(data_files.glob("*.csv"))), "--reevaluate", str(tmp_path / "v1"),
            "--max-rows", "120", "--cv", "2", "--n-jobs", "1"]
    assert main([*args, "--out", str(tmp_path / "v1")]) == 2
    assert "a re-evaluation writes a new folder" in capsys.readouterr().err
    assert (tmp_path / "v1" / "manifest.json").read_text() == before  # refused before anything was written
    assert main([*args, "--out", str(tmp_path / "v2")]) == 0  # no --family: the knowledge base's, linear
    assert KnowledgeBase.load(tmp_path / "v2").space_version == "linear-3"
