"""metahpo batch: one row per dataset, failures recorded, resume, torn lines, tuning, ensembles, the
report, lists, Dask, CLI."""

import base64
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import lightgbm
import numpy as np
import pandas as pd
import pytest

from metahpo import batch, cli
from metahpo import knowledge_base as kbm
from metahpo.batch import read_records, run_batch
from metahpo.build import Source, find_sources
from metahpo.datasets import load
from metahpo.ensemble import EnsembleSpec
from metahpo.ensemble import build as build_ensemble
from metahpo.exceptions import ConfigError, DataWarning
from metahpo.families import get_family
from metahpo.parallel import Journal
from metahpo.spaces import config_id, early_stopped

NAMES = ("breast_cancer", "diabetes", "iris")
BROKEN = "broken<&>"  # a single-class target, and a name that needs escaping in HTML


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """Three small datasets (binary, regression, multiclass) and a broken one, as CSV files."""
    folder = tmp_path_factory.mktemp("batch_data")
    for name in NAMES:
        ds = load(f"sklearn:{name}").subsample(150)
        ds.X.assign(target=ds.y).to_csv(folder / f"{name}.csv", index=False)
    pd.DataFrame({"a": range(20), "b": range(20), "target": 1}).to_csv(folder / f"{BROKEN}.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def first_run(data_dir, tiny_kb, tmp_path_factory):
    """A finished batch over the folder: (output folder, results table, progress lines)."""
    out = tmp_path_factory.mktemp("batch") / "out"
    lines = []
    table = run_batch([str(data_dir)], out, knowledge_base=tiny_kb, n=3, progress=lines.append)
    return out, table, lines


def _rerun(first_run, data_dir, tiny_kb, tmp_path, **kwargs):
    """Re-run the first batch on a copy of its folder; returns (folder, table, progress lines)."""
    out = tmp_path / "out"
    shutil.copytree(first_run[0], out)
    lines = []
    table = run_batch([str(data_dir)], out, knowledge_base=tiny_kb, n=3, progress=lines.append, **kwargs)
    return out, table, lines


def _jsonl(out):
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


def test_every_dataset_gets_a_row_and_a_broken_one_does_not_stop_the_batch(first_run, data_dir):
    out, table, lines = first_run
    assert list(table["dataset_id"]) == sorted([*NAMES, BROKEN])
    assert "cv_score" not in table.columns and "n_trials" not in table.columns
    rows = table.set_index("dataset_id")
    assert list(rows["status"]) == ["ok", "failed", "ok", "ok"]
    assert "single class" in rows.loc[BROKEN, "error"]
    assert pd.isna(rows.loc[BROKEN, "config_id"])
    assert dict(rows.loc[list(NAMES), "task"]) == {"breast_cancer": "binary", "diabetes": "regression",
                                                   "iris": "multiclass"}
    assert (rows.loc[list(NAMES), "n_rows"] == 150).all()
    assert rows.loc[list(NAMES), ["config_id", "expected_normalized", "confidence", "nearest"]].notna().all().all()
    assert rows.loc[list(NAMES), "expected_normalized"].between(0, 1).all() and "expected_value" in rows
    assert (rows["seconds"] > 0).all()
    assert any(re.match(rf"batch: {BROKEN} failed in \d+\.\d s; ", line) for line in lines)  # timed, even at once

    assert sorted(p.stem for p in (out / "params").glob("*.json")) == list(NAMES)
    for name in NAMES:
        params = json.loads((out / "params" / f"{name}.json").read_text())
        assert params == json.loads(rows.loc[name, "params"]) and params["n_estimators"] >= 1
    iris = load(data_dir / "iris.csv")
    model = lightgbm.LGBMClassifier(**json.loads(rows.loc["iris", "params"]), verbose=-1, n_jobs=1)
    assert model.fit(iris.X, iris.y).score(iris.X, iris.y) > 0.9

    csv = pd.read_csv(out / "results.csv")
    assert list(csv.columns) == list(table.columns)
    assert list(csv["status"]) == list(table["status"])
    saved = json.loads((out / "results.json").read_text())
    assert [r["dataset_id"] for r in saved] == list(table["dataset_id"])
    assert saved[-1]["params"] == json.loads(rows.loc["iris", "params"])
    assert all(type(r[c]) is int for r in saved[:1] + saved[2:] for c in ("n_rows", "n_features"))

    assert lines[0] == "batch: 4 datasets to run"  # at once: the first (largest) dataset may take hours
    assert len(lines) == 5 and all("ETA" in line for line in lines[1:])
    assert lines[-1].endswith("(1 failed)") and "; 4/4 done, " in lines[-1] and "ETA" in lines[-1]
    by_size = sorted([*NAMES, BROKEN], key=lambda name: -(data_dir / f"{name}.csv").stat().st_size)
    assert [line.split()[1] for line in lines[1:]] == by_size  # the largest first (one job at a time here)


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="a file that opens but cannot be read: Linux's")
def test_a_file_that_cannot_be_read_is_a_failed_row_and_the_batch_goes_on(data_dir, tiny_kb, tmp_path):
    """A file the batch cannot read (here one that opens but fails every read, as a file of another
    user fails its open) is recorded as failed, first run or rerun, rather than ending the batch."""
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(data_dir / "iris.csv", folder)
    (folder / "secret.csv").symlink_to("/proc/self/mem")
    for _ in range(2):  # the rerun reads what the first run finished again
        table = run_batch([str(folder)], tmp_path / "out", knowledge_base=tiny_kb, n=1, progress=lambda line: None)
        rows = table.set_index("dataset_id")
        assert dict(rows["status"]) == {"iris": "ok", "secret": "failed"}
        assert rows.loc["secret", "error"].startswith("DataError: cannot read") and "Input/output error" in rows.loc[
            "secret", "error"]


@dataclass(frozen=True)
class _OutOfMemory(Source):
    """A dataset whose loading kills the process it runs in, as the system kills a worker that runs
    out of memory."""

    def load(self, max_rows):
        os._exit(1)


def test_a_dataset_that_kills_its_worker_is_a_failed_row_and_the_batch_goes_on(data_dir, tiny_kb, tmp_path,
                                                                                monkeypatch):
    sources = [*find_sources([str(data_dir / f"{name}.csv") for name in NAMES]),
               _OutOfMemory("huge", str(data_dir / "iris.csv"))]
    monkeypatch.setattr(batch, "find_sources", lambda inputs, target: sources)
    lines = []
    table = run_batch(["four datasets"], tmp_path / "out", knowledge_base=tiny_kb, n=3, n_jobs=2,
                      progress=lines.append).set_index("dataset_id")
    assert list(table["status"]) == ["ok", "ok", "failed", "ok"]  # breast_cancer, diabetes, huge, iris
    assert table.loc["huge", "error"].startswith("WorkerDeath: its worker process died, also when run alone")
    assert any(line.startswith("batch: huge failed in ?; ") for line in lines)


KILLED_IN_PROCESS = '''
import os, sys
from dataclasses import dataclass
from pathlib import Path
from metahpo import batch
from metahpo.build import Source, find_sources

@dataclass(frozen=True)
class OutOfMemory(Source):
    def load(self, max_rows):
        os._exit(1)

kb, out, *files = sys.argv[1:]
sources = [OutOfMemory("huge", files[0]), *find_sources(files[1:], None)]  # the largest file: run first
batch.find_sources = lambda inputs, target: sources
batch.run_batch(["three datasets"], out, knowledge_base=kb, n=3, n_jobs=1)
'''


def test_a_dataset_that_killed_the_batch_process_is_a_failed_row_on_the_rerun(data_dir, tiny_kb, tmp_path,
                                                                              monkeypatch):
    script, kb, out = tmp_path / "killed.py", tmp_path / "kb", tmp_path / "out"
    script.write_text(KILLED_IN_PROCESS)
    tiny_kb.save(kb)
    files = [str(data_dir / f"{name}.csv") for name in NAMES]  # breast_cancer, the largest, then diabetes and iris
    here = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}  # this checkout's metahpo, whatever is installed
    assert subprocess.run([sys.executable, str(script), str(kb), str(out), *files], env=here).returncode == 1  # n_jobs=1

    sources = [_OutOfMemory("huge", files[0]), *find_sources(files[1:], None)]
    monkeypatch.setattr(batch, "find_sources", lambda inputs, target: sources)
    lines = []
    table = run_batch(["three datasets"], out, knowledge_base=kb, n=3, n_jobs=1, progress=lines.append)
    assert dict(zip(table["dataset_id"], table["status"])) == {"diabetes": "ok", "huge": "failed", "iris": "ok"}
    assert table.set_index("dataset_id").loc["huge", "error"].startswith("WorkerDeath: its worker process died")
    assert lines[0] == "batch: 3 datasets to run"
    assert lines[1].startswith("batch: huge failed in ?; ")  # run first, alone, not in the batch's own process
    assert Journal(out / batch.JOURNAL).running() == {"huge"}  # and so again when a rerun retries it


def test_sizes_are_bytes_on_disk_and_the_median_where_there_is_no_file(data_dir):
    files = [data_dir / f"{name}.csv" for name in NAMES]
    sizes = batch._sizes([Source(f.stem, str(f)) for f in files] + [Source("iris", "sklearn:iris"),
                                                                    Source("all", str(data_dir))])
    on_disk = [float(f.stat().st_size) for f in files] + [sum(float(f.stat().st_size) for f in data_dir.iterdir())]
    assert sizes[:3] + sizes[4:] == on_disk and sizes[3] == float(np.median(on_disk))


def test_expected_work_grows_slower_than_the_bytes():
    small, large = batch.expected_work([1e3, 1e6])  # a thousand times the bytes: about 250 times the work
    assert large / small == pytest.approx(1000**batch.WORK_EXPONENT) and 100 < large / small < 1000


def test_sizes_under_a_row_cap_are_those_of_the_rows_kept(tmp_path):
    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(20_000, 3)), columns=["a", "b", "target"])
    (tmp_path / "pmlb").mkdir()
    frame.to_csv(tmp_path / "plain.csv", index=False)
    frame.to_csv(tmp_path / "packed.csv.gz", index=False)
    frame.to_csv(tmp_path / "pmlb" / "pmlb.tsv.gz", sep="\t", index=False)
    frame.to_parquet(tmp_path / "columns.parquet")
    text = frame.to_csv(index=False).encode()
    blocks = [text[i:i + 50_000] for i in range(0, len(text), 50_000)]  # gzip members, as bgzip writes them
    (tmp_path / "members.csv.gz").write_bytes(b"".join(gzip.compress(block) for block in blocks))
    sources = [Source(p.name, str(p)) for p in sorted(tmp_path.iterdir())] + [Source("iris", "sklearn:iris")]
    full = batch._sizes(sources)
    assert batch._sizes(sources, max_rows=2_000) == pytest.approx([size / 10 for size in full], rel=0.1)
    assert batch._sizes(sources, max_rows=50_000) == full  # fewer rows than the cap: every one kept
    alike = tmp_path / "alike.csv.gz"  # so compressible that its first 64 KiB inflate past the reading's limit
    alike.write_bytes(gzip.compress(b"a,target\n" + b"1,2\n" * 2_000_000))
    assert batch._rows(alike) == pytest.approx(2_000_000, rel=0.05)
    frame.to_csv(tmp_path / "other.csv.bz2", index=False)  # compressed otherwise: rows unknown, the size as it is
    assert batch._sizes([Source("other", str(tmp_path / "other.csv.bz2"))], max_rows=2_000) == [
        (tmp_path / "other.csv.bz2").stat().st_size]


def test_the_eta_counts_the_time_of_a_dataset_that_failed_slowly_as_work(tiny_kb, tmp_path, monkeypatch):
    clock = [0.0]

    def process(source, knowledge_base, settings):  # each dataset takes 10 s; the first fails at its end
        clock[0] += 10
        return {"dataset_id": source.dataset_id, "source": source.spec, "params": {}, "seconds": 10.0,
                "status": "failed" if source.dataset_id == "a_slow" else "ok", "error": ""}

    monkeypatch.setattr(batch, "process", process)
    monkeypatch.setattr(batch, "time", SimpleNamespace(monotonic=lambda: clock[0], time=time.time))
    data = tmp_path / "data"
    data.mkdir()
    for name in ("a_slow", "b", "c"):  # of one size: run in this order
        (data / f"{name}.csv").write_text("a,target\n1,0\n2,1\n")
    lines = []
    run_batch([str(data)], tmp_path / "out", knowledge_base=tiny_kb, rounds="recommended", progress=lines.append)
    assert lines[2] == "batch: b ok in 10 s; 2/3 done, 20 s elapsed, ETA 10 s (1 failed)"  # c: 10 s, not 20


def test_report_is_one_self_contained_page(first_run):
    page = (first_run[0] / "report.html").read_text()
    for name in NAMES:
        assert name in page
    assert "broken&lt;&amp;&gt;" in page and BROKEN not in page
    assert "single class" in page
    assert "throughput" in page and "datasets/min" in page and "4 datasets: 3 ok, 1 failed" in page
    text = re.sub(r"base64,[^\"]+", "", page)  # an image's base64 may spell anything
    assert "NA&gt;" not in text and "NaN" not in text and "None" not in text  # the failed row's cells are empty
    headers = re.findall(r"<thead>(.*?)</thead>", page, re.DOTALL)
    assert len(headers) == 2 and all(h.count("<tr") == 1 for h in headers)  # the summary's and the results'
    assert "<th>task</th>" in headers[0] and "<th>total</th>" in headers[0]
    legend = dict(re.findall(r"<dt><b>(.*?)</b></dt><dd>(.*?)</dd>", page))
    assert "expected_normalized" in legend and "not the metric" in legend["expected_normalized"]
    assert "cv_score" not in legend  # a legend of the columns shown: this batch tuned nothing
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 1  # the meta-feature map; no tuning plot without tuning
    assert base64.b64decode(images[0]).startswith(b"\x89PNG")
    assert 'src="http' not in page and "<script" not in page and "<link" not in page


def test_the_legend_explains_every_column():
    explained = {name for names in batch.LEGEND for name in names.split(", ")}
    assert explained == set(batch.COLUMNS) - {"params"}  # params are in params/<dataset>.json, not the page


def test_rerun_skips_finished_datasets_and_retries_failed_ones(first_run, data_dir, tiny_kb, tmp_path):
    out, table, lines = _rerun(first_run, data_dir, tiny_kb, tmp_path)
    assert lines[0] == "batch: 3 of 4 datasets already done, 1 to run"
    assert len(lines) == 2 and lines[1].startswith("batch: broken<&> failed in ") and "1/1 done" in lines[1]
    records = _jsonl(out)
    assert [r["status"] for r in records].count("ok") == 3 and len(records) == 5
    ok = table["status"] == "ok"
    pd.testing.assert_frame_equal(table[ok], first_run[1][ok])  # the same seconds: nothing re-run

    with pytest.raises(ConfigError, match="other settings: n 3 .now 5."):
        run_batch([str(data_dir)], out, knowledge_base=tiny_kb, n=5)


def test_a_run_reports_its_own_inputs_and_refuses_other_data_under_a_name_done(first_run, data_dir, tiny_kb,
                                                                               tmp_path):
    out = tmp_path / "out"
    shutil.copytree(first_run[0], out)
    table = run_batch([str(data_dir / "iris.csv")], out, knowledge_base=tiny_kb, n=3, progress=lambda line: None)
    assert list(table["dataset_id"]) == ["iris"]  # not the folder's failed row of another input: exit status 0
    assert len(pd.read_csv(out / "results.csv")) == 4
    (tmp_path / "other").mkdir()
    shutil.copy(data_dir / "diabetes.csv", tmp_path / "other" / "iris.csv")
    with pytest.raises(ConfigError, match=r"holds results of other data under the same name \('iris' was .*"
                                          r"iris.csv, now .*other.iris.csv\): use another output folder"):
        run_batch([str(tmp_path / "other")], out, knowledge_base=tiny_kb, n=3)
    (tmp_path / "named.txt").write_text(f"{data_dir / 'iris.csv'},target\n")  # the target it was read with, named
    lines = []
    run_batch([str(tmp_path / "named.txt")], out, knowledge_base=tiny_kb, n=3, progress=lines.append)
    assert lines == ["batch: 1 of 1 dataset already done, 0 to run"]
    feature = pd.read_csv(data_dir / "iris.csv", nrows=0).columns[0]  # the same file, another target
    (tmp_path / "list.txt").write_text(f"{data_dir / 'iris.csv'},{feature}\n")
    clash = rf"\('iris' was .*iris.csv, now .*iris.csv \(target {re.escape(feature)}\)\)"
    with pytest.raises(ConfigError, match=clash):
        run_batch([str(tmp_path / "list.txt")], out, knowledge_base=tiny_kb, n=3)


def test_a_folder_scan_reads_any_case_of_suffix_and_says_what_pmlb_folders_leave_out(data_dir, tmp_path):
    folder = tmp_path / "mixed"
    (folder / "toy").mkdir(parents=True)
    shutil.copy(data_dir / "iris.csv", folder / "IRIS.CSV")
    assert find_sources([str(folder)]) == [Source("IRIS", str(folder / "IRIS.CSV"))]
    pd.read_csv(data_dir / "iris.csv").to_csv(folder / "toy" / "toy.tsv.gz", sep="\t", index=False)
    (folder / "index.csv").write_text("name\ntoy\n")  # a PMLB collection's own table: no warning for it
    with pytest.warns(DataWarning, match=r"mixed holds PMLB dataset folders, so the data files beside them are left "
                                         r"out \(give them as inputs of their own\): IRIS.CSV$"):
        assert find_sources([str(folder)]) == [Source("toy", str(folder / "toy"))]
    with pytest.warns(DataWarning, match=r"the target 'label' is not .*toy's: a manifest names each dataset's target"):
        find_sources([str(folder / "toy")], target="label")


def test_a_batch_writing_into_its_input_folder_leaves_its_own_results_out(data_dir, tiny_kb, tmp_path):
    shutil.copy(data_dir / "iris.csv", tmp_path / "iris.csv")
    for _ in range(2):
        table = run_batch([str(tmp_path)], tmp_path, knowledge_base=tiny_kb, n=2, progress=lambda line: None)
        assert list(table["dataset_id"]) == ["iris"] and list(table["status"]) == ["ok"]


def test_a_torn_last_line_is_ignored_and_its_dataset_redone(first_run, data_dir, tiny_kb, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(first_run[0], out)
    text = (out / "results.jsonl").read_text()
    *kept, last = text.splitlines()
    torn = json.loads(last)["dataset_id"]
    (out / "results.jsonl").write_text("\n".join(kept) + "\n" + last[: len(last) // 2])
    lines = []
    table = run_batch([str(data_dir)], out, knowledge_base=tiny_kb, n=3, progress=lines.append)
    assert lines[0].startswith(f"batch: {2 if torn != BROKEN else 3} of 4 datasets already done")
    assert any(f"{torn} ok" in line or f"{torn} failed" in line for line in lines[1:])
    assert list(table["status"]) == list(first_run[1]["status"])
    assert [r["dataset_id"] for r in _jsonl(out)].count(torn) == 1  # the torn line is gone, every line parses


def test_a_second_batch_on_the_same_folder_is_refused_while_the_first_runs(tiny_kb, tmp_path):
    import fcntl

    run_batch(["sklearn:iris"], tmp_path / "out", knowledge_base=tiny_kb, n=3, progress=lambda line: None)
    with open(tmp_path / "out" / batch.LOCK, "w") as held:  # as a running batch holds it
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(ConfigError, match="another batch is writing to"):
            run_batch(["sklearn:iris"], tmp_path / "out", knowledge_base=tiny_kb, n=3, progress=lambda line: None)
    table = run_batch(["sklearn:iris"], tmp_path / "out", knowledge_base=tiny_kb, n=3, progress=lambda line: None)
    assert list(table["status"]) == ["ok"]  # once it is free, it resumes


def test_an_interrupted_search_stops_the_batch_and_is_not_recorded(data_dir, tiny_kb, tmp_path, monkeypatch):
    from metahpo import tuning

    def interrupt_after_one(study, trial):
        raise KeyboardInterrupt

    real = tuning.tune
    monkeypatch.setattr(tuning, "tune", lambda *args, **kwargs: real(*args, **kwargs, callbacks=[interrupt_after_one]))
    with pytest.raises(KeyboardInterrupt):
        run_batch([str(data_dir / "iris.csv")], tmp_path / "out", knowledge_base=tiny_kb, n=3, tune_trials=3, cv=2,
                  progress=lambda line: None)
    assert not (tmp_path / "out" / "results.jsonl").exists() or not _jsonl(tmp_path / "out")  # a resume redoes it


def test_a_tuned_batch_warm_starts_as_tune_does_whatever_n(data_dir, tiny_kb, tmp_path, monkeypatch):
    from metahpo import tuning
    from metahpo.recommendations import WARM_START

    seen = {}
    real = tuning.tune
    monkeypatch.setattr(tuning, "tune", lambda *args, **kwargs: seen.update(kwargs) or real(*args, **kwargs))
    run_batch([str(data_dir / "iris.csv")], tmp_path / "out", knowledge_base=tiny_kb, n=10, tune_trials=2, cv=2,
              progress=lambda line: None)
    assert seen["warm_start"] == WARM_START  # n=10 and --tune 10 left no trial to the search


def test_ctrl_c_leaves_tables_of_every_dataset_finished(data_dir, tiny_kb, tmp_path):
    def interrupt_once_one_is_done(line):
        if " ok in " in line:  # said once saved: the tables hold it
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch([str(data_dir)], tmp_path / "out", knowledge_base=tiny_kb, n=2, progress=interrupt_once_one_is_done)
    table = pd.read_csv(tmp_path / "out" / "results.csv")
    assert len(table) == len(_jsonl(tmp_path / "out")) >= 1 and set(table["status"]) <= {"ok", "failed"}


def test_a_resume_over_a_file_whose_data_changed_is_refused(data_dir, tiny_kb, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(data_dir / "iris.csv", data / "iris.csv")
    run_batch([str(data)], tmp_path / "out", knowledge_base=tiny_kb, n=2, progress=lambda line: None)
    frame = pd.read_csv(data / "iris.csv")
    frame.iloc[:5].to_csv(data / "iris.csv", index=False)
    with pytest.raises(ConfigError, match="'iris' was .*iris.csv, now .*iris.csv .the same file, its data changed."):
        run_batch([str(data)], tmp_path / "out", knowledge_base=tiny_kb, n=2)


@pytest.mark.filterwarnings("error:'str' is not supported as a fill value")  # pandas 4: an error (the report)
def test_a_failed_dataset_runs_again_on_its_new_data_and_settings_bind_once_one_is_done(data_dir, tiny_kb,
                                                                                         tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    iris = pd.read_csv(data_dir / "iris.csv")
    iris.drop(columns="target").to_csv(data / "notarget.csv", index=False)

    def run(out, **settings):
        return run_batch([str(data)], tmp_path / out, knowledge_base=tiny_kb, n=2, rounds="recommended",
                         progress=lambda line: None, **settings)

    assert list(run("out")["status"]) == ["failed"]
    iris.to_csv(data / "notarget.csv", index=False)  # the column added: the same file, its data changed
    assert list(run("out")["status"]) == ["ok"]
    assert [r["status"] for r in _jsonl(tmp_path / "out")] == ["failed", "ok"]

    assert list(run("mistyped", target="label")["status"]) == ["failed"]  # no column label: no dataset done
    assert list(run("mistyped")["status"]) == ["ok"]  # so the folder takes the settings corrected
    assert json.loads((tmp_path / "mistyped" / "settings.json").read_text())["target"] is None
    with pytest.raises(ConfigError, match="other settings: target 'target' .now 'label'."):  # now they bind
        run("mistyped", target="label")


def test_tuning_adds_the_cv_score_the_trials_and_the_ensemble(data_dir, tiny_kb, tmp_path):
    out = tmp_path / "out"
    inputs = [str(data_dir / "iris.csv"), str(data_dir / "diabetes.csv")]
    table = run_batch(inputs, out, knowledge_base=tiny_kb, n=3, tune_trials=3, ensemble=2, cv=2,
                      progress=lambda line: None)
    assert list(table["status"]) == ["ok", "ok"]
    assert list(table["n_trials"]) == [3, 3]
    assert np.isfinite(table["cv_score"].to_numpy(float)).all()
    assert list(table["metric"]) == ["r2", "neg_log_loss"]
    for row in table.itertuples():
        assert json.loads((out / "params" / f"{row.dataset_id}.json").read_text()) == json.loads(row.params)
    assert all(len(r["trace"]) == 3 for r in _jsonl(out))
    # the row describes the tuned best, not the zero-shot pick (whose expectations are not its own)
    assert table["expected_normalized"].isna().all() and table["confidence"].notna().all()
    for row in table.itertuples():
        space = get_family(row.family).space_for(row.task)
        assert row.config_id == config_id(early_stopped(space.config_of(json.loads(row.params))))

    # the ensemble: compact columns, and a file it is rebuilt from
    assert (table["ensemble_members"] >= 1).all()
    assert (table["ensemble_oof_score"] >= table["single_best_oof_score"]).all()
    saved = {r["dataset_id"]: r for r in json.loads((out / "results.json").read_text())}
    for row in table.itertuples():
        weights = saved[row.dataset_id]["ensemble_weights"]
        assert json.loads(row.ensemble_weights) == weights and len(weights) == row.ensemble_members
        assert sum(weights) == pytest.approx(1, abs=0.01)
        assert type(saved[row.dataset_id]["n_trials"]) is int
        spec = EnsembleSpec(**json.loads((out / "ensembles" / f"{row.dataset_id}.json").read_text()))
        assert spec.weights == pytest.approx(weights, abs=5e-4) and sum(spec.weights) == pytest.approx(1)
        assert spec.oof_score == row.ensemble_oof_score and spec.metric == row.metric
        assert all(member["n_estimators"] >= 1 for member in spec.members)  # LightGBM parameters
        ds = load(data_dir / f"{row.dataset_id}.csv")
        model = build_ensemble(spec, row.task).fit(ds.X, ds.y)
        assert model.score(ds.X, ds.y) > 0.5
    page = (out / "report.html").read_text()
    assert page.count('<img src="data:image/png;base64,') == 2  # the map and the tuning curves
    assert "<th>ensemble_oof_score</th>" in page and "<th>single_best_oof_score</th>" in page
    assert "Ensembles for 2 datasets" in page and "ensembles/&lt;dataset_id&gt;.json" in page


def test_the_tuning_plot_shows_the_scores_themselves_and_their_span():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    tuned = [{"dataset_id": "a", "metric": "r2", "trace": [None, 0.87651, 0.87654]},
             {"dataset_id": "b", "metric": "r2", "trace": [0.87652, 0.87652]},
             {"dataset_id": "c", "metric": "accuracy", "trace": [0.61, 0.74, 0.75]}]
    fig = batch._tuning_figure(tuned)
    FigureCanvasAgg(fig).draw()
    wide, tiny = fig.axes  # accuracy, r2
    assert tiny.yaxis.get_offset_text().get_text() == ""  # no "1e-5 + 8.765e-1" that makes 3e-05 look large
    ticks = [float(t.get_text().replace("\u2212", "-")) for t in tiny.get_yticklabels()]
    assert all(0.869 < t < 0.883 for t in ticks) and len(ticks) >= 3
    # a gain of 3e-05 looks as small as it is: the axis spans 0.01 of the metric around the scores
    assert tiny.get_ylim() == pytest.approx((0.876525 - 0.005, 0.876525 + 0.005))
    assert tiny.get_title() == "r2 (best scores span 3e-05)"
    low, high = wide.get_ylim()  # a span above 0.01 is drawn as matplotlib scales it
    assert 0.59 < low < 0.61 and 0.75 < high < 0.77 and wide.get_title() == "accuracy (best scores span 0.14)"


def test_a_resume_needs_the_same_knowledge_base_and_target(first_run, data_dir, tiny_kb, tmp_path, monkeypatch):
    out = tmp_path / "out"
    shutil.copytree(first_run[0], out)
    with pytest.raises(ConfigError, match="other settings: target 'target' .now 'label'.; resume it with"):
        run_batch([str(data_dir)], out, knowledge_base=tiny_kb, n=3, target="label")
    lines = []  # the default target named, and folds without tuning, act as before: resumed
    run_batch([str(data_dir)], out, knowledge_base=tiny_kb, n=3, target="target", cv=3, progress=lines.append)
    assert lines[0] == "batch: 3 of 4 datasets already done, 1 to run"  # the failed one runs again
    kb_dir = tiny_kb.save(tmp_path / "kb")
    with pytest.raises(ConfigError, match=f"knowledge_base 'in-memory' .now '{re.escape(str(kb_dir))}'."):
        run_batch([str(data_dir)], out, knowledge_base=kb_dir, n=3)

    one = tmp_path / "one"  # a folder run with a knowledge-base folder: resumed by that folder only
    run_batch([str(data_dir / "iris.csv")], one, knowledge_base=kb_dir, n=2, progress=lambda line: None)
    monkeypatch.chdir(tmp_path)
    lines = []
    run_batch([str(data_dir / "iris.csv")], one, knowledge_base="kb", n=2, progress=lines.append)
    assert lines == ["batch: 1 of 1 dataset already done, 0 to run"]
    other = shutil.copytree(kb_dir, tmp_path / "other_kb")
    changed = f"knowledge_base '{re.escape(str(kb_dir))}' .now '{re.escape(str(other))}'."
    with pytest.raises(ConfigError, match=changed):
        run_batch([str(data_dir / "iris.csv")], one, knowledge_base=other, n=2)


def test_n_and_the_strategy_are_no_change_where_they_cannot_change_a_result(data_dir, tiny_kb, tmp_path):
    def run(out, **settings):
        lines = []
        table = run_batch([str(data_dir / "iris.csv")], tmp_path / out, knowledge_base=tiny_kb,
                          progress=lines.append, **settings)
        return table.drop(columns="seconds"), lines

    resumed = ["batch: 1 of 1 dataset already done, 0 to run"]
    one, _ = run("one", n=1, rounds="recommended")
    pd.testing.assert_frame_equal(run("ten", n=10, rounds="recommended")[0], one)  # the top of any length of list
    assert run("one", n=10, rounds="recommended")[1] == resumed
    with pytest.raises(ConfigError, match="other settings: strategy 'auto' .now 'nearest'."):
        run("one", n=1, rounds="recommended", strategy="nearest")
    run("held", n=1, max_rows=100)  # hold-outs order the list on data of 10,000 rows or more only
    assert run("held", n=10, max_rows=100)[1] == resumed
    run("tuned", n=1, tune_trials=2, cv=2)  # the row is the tuned best, the search warm-started as tune's
    assert run("tuned", n=10, tune_trials=2, cv=2, strategy="nearest")[1] == resumed


def test_one_dataset_and_numpy_settings_read_plainly(data_dir, tiny_kb, tmp_path):
    out = tmp_path / "out"
    settings = {"knowledge_base": tiny_kb, "n": np.int64(2), "max_rows": np.int64(100)}
    table = run_batch([str(data_dir / "iris.csv")], out, progress=lambda line: None, **settings)
    assert list(table["n_rows"]) == [100]
    saved = json.loads((out / "settings.json").read_text())
    assert saved["n"] == 2 and saved["max_rows"] == 100
    assert "1 dataset: 1 ok, 0 failed" in (out / "report.html").read_text()
    with pytest.raises(ConfigError) as caught:
        run_batch([str(data_dir / "iris.csv")], out, knowledge_base=tiny_kb, n=2, max_rows=np.int64(50))
    assert "max_rows 100 (now 50)" in str(caught.value) and "np." not in str(caught.value)


@pytest.mark.parametrize("cv", [1, np.int64(1), 2.5])
def test_bad_cv_is_rejected_before_any_dataset_runs(cv, data_dir, tmp_path):
    with pytest.raises(ConfigError, match=f"cv must be .*at least 2; got {cv}$"):
        run_batch([str(data_dir)], tmp_path / "out", cv=cv, tune_trials=2)
    assert not (tmp_path / "out").exists()


def test_lines_of_results_jsonl_that_are_not_records_are_ignored(first_run, data_dir, tiny_kb, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(first_run[0], out)
    not_a_record = json.dumps({"dataset_id": 7, "source": "", "status": "ok", "error": "", "seconds": 1,
                               "finished": 1})
    junk = ["42", "[]", '{"foo": 1}', "null", '"text"', not_a_record]
    kept = (out / "results.jsonl").read_text().splitlines()
    (out / "results.jsonl").write_text("\n".join([kept[0], *junk, *kept[1:], *junk]) + "\n")
    lines = []
    table = run_batch([str(data_dir)], out, knowledge_base=tiny_kb, n=3, progress=lines.append)
    assert lines[0] == "batch: 3 of 4 datasets already done, 1 to run"
    assert list(table["dataset_id"]) == list(first_run[1]["dataset_id"])
    assert list(table["status"]) == list(first_run[1]["status"])


@pytest.mark.parametrize("torn", ["", '{"n": 2, "tune_tr', "[]", "\xff\xfe"])
def test_settings_torn_by_a_kill_before_any_result_are_rewritten(torn, data_dir, tiny_kb, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "settings.json").write_bytes(torn.encode("latin-1"))
    table = run_batch([str(data_dir / "iris.csv")], out, knowledge_base=tiny_kb, n=2, progress=lambda line: None)
    assert list(table["status"]) == ["ok"]
    assert json.loads((out / "settings.json").read_text())["n"] == 2
    assert [p.name for p in out.iterdir() if p.name.startswith(".tmp")] == []  # written through a temp file


def test_corrupt_settings_beside_results_are_a_one_line_error(first_run, data_dir, tiny_kb, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(first_run[0], out)
    (out / "settings.json").write_text('{"n": 3, "tu')
    with pytest.raises(ConfigError) as caught:
        run_batch([str(data_dir)], out, knowledge_base=tiny_kb, n=3)
    message = str(caught.value)
    assert str(out / "settings.json") in message and "corrupt" in message and "\n" not in message


def test_paths_in_a_list_are_relative_to_the_list(data_dir, tmp_path, monkeypatch):
    folder = tmp_path / "lists"
    (folder / "data").mkdir(parents=True)
    shutil.copy(data_dir / "iris.csv", folder / "data" / "iris.csv")
    listing = folder / "datasets.txt"
    listing.write_text(f"data/iris.csv\nsklearn:wine,class\n{data_dir / 'diabetes.csv'}\n")
    monkeypatch.chdir(tmp_path)  # neither the list's folder nor the data's
    sources = find_sources([str(listing)])
    assert sources == [Source("iris", str(folder / "data" / "iris.csv")),
                       Source("sklearn-wine", "sklearn:wine", "class"),
                       Source("diabetes", str(data_dir / "diabetes.csv"))]
    assert sources[0].load(1000).n_rows == 150


def test_a_dask_cluster_gives_the_same_rows(first_run, data_dir, tiny_kb, tmp_path):
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster, \
            cli.parallel_backend(cluster.scheduler_address):
        table = run_batch([str(data_dir)], tmp_path / "out", knowledge_base=tiny_kb, n=3,
                          progress=lambda line: None)
        ran_on_dask = [p for p in cluster.scheduler.task_prefixes if p.startswith("batch_of_process")]
    assert ran_on_dask
    same = [c for c in table.columns if c != "seconds"]
    pd.testing.assert_frame_equal(table[same], first_run[1][same])


def test_command_line_with_a_list_of_files(data_dir, tiny_kb, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(kbm, "load_shipped", lambda family="lightgbm", zero_shot=False: tiny_kb)  # the default knowledge base
    labelled = tmp_path / "labelled.csv"
    pd.read_csv(data_dir / "diabetes.csv").rename(columns={"target": "label"}).to_csv(labelled, index=False)
    listing = tmp_path / "datasets.txt"
    listing.write_text(f"# datasets\n{data_dir / 'iris.csv'}\n{labelled},label\n")
    out = tmp_path / "out"
    assert cli.main(["batch", str(listing), "--out", str(out), "-n", "2", "--max-rows", "100"]) == 0
    printed = capsys.readouterr().out
    assert "2 datasets: 2 ok, 0 failed" in printed
    assert str(out / "results.csv") in printed and str(out / "report.html") in printed
    table = pd.read_csv(out / "results.csv")
    assert list(table["dataset_id"]) == ["iris", "labelled"] and list(table["n_rows"]) == [100, 100]
    assert list(table["task"]) == ["multiclass", "regression"]


def test_the_command_line_exits_1_for_a_failed_dataset_when_no_one_reads_its_summary(tiny_kb, tmp_path,
                                                                                      monkeypatch):
    def reader_gone(*args, **kwargs):  # `metahpo batch ... | head -1`, head gone
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(cli, "print", reader_gone, raising=False)
    monkeypatch.setattr(cli, "silence", lambda stream: None)  # pytest's stdout is not a pipe to silence
    (tmp_path / "broken.csv").write_text("a,target\n1,1\n2,1\n3,1\n")  # a single class
    argv = ["batch", str(tmp_path / "broken.csv"), "--out", str(tmp_path / "out"), "--rounds", "recommended",
            "--kb", str(tiny_kb.save(tmp_path / "kb"))]
    assert cli.main(argv) == 1


@pytest.fixture
def warning_data(data_dir, tmp_path):
    """A folder of two datasets, ``indexed`` (written with its index, a column without a name: a
    DataWarning when it is read) and ``plain``."""
    data = tmp_path / "data"
    data.mkdir()
    pd.read_csv(data_dir / "iris.csv").to_csv(data / "indexed.csv")
    shutil.copy(data_dir / "diabetes.csv", data / "plain.csv")
    return data


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_warnings_of_a_dataset_name_it_and_are_shown_by_the_batch_whatever_runs_it(n_jobs, warning_data, tiny_kb,
                                                                                   tmp_path):
    data = warning_data
    with pytest.warns(DataWarning, match=r"^indexed: indexed.csv: column 1 has no name in its header") as caught:
        run_batch([str(data)], tmp_path / "out", knowledge_base=tiny_kb, n_jobs=n_jobs, rounds="recommended",
                  progress=lambda line: None)
    assert [w.filename for w in caught if issubclass(w.category, DataWarning)] == [batch.__file__]  # shown here


def test_warnings_of_datasets_run_on_threads_name_them_too(warning_data, tiny_kb, tmp_path):
    import joblib

    with pytest.warns(DataWarning, match=r"^indexed: indexed.csv: column 1 has no name in its header") as caught, \
            joblib.parallel_backend("threading", n_jobs=2):  # as on a Dask worker's threads
        # one dataset: a warning shown again by the batch while another thread ignores its kind is lost (_collected)
        run_batch([str(warning_data / "indexed.csv")], tmp_path / "out", knowledge_base=tiny_kb, n_jobs=2,
                  rounds="recommended", progress=lambda line: None)
    assert [w.filename for w in caught if issubclass(w.category, DataWarning)] == [batch.__file__]  # named, once


def test_the_thread_hook_is_in_place_before_any_dataset_runs(warning_data, tiny_kb, tmp_path, monkeypatch):
    seen, run_jobs = [], batch.run_jobs

    def spied(*args, **kwargs):  # a thread's catch_warnings begun before it would put the hook's forerunner back
        seen.append(getattr(warnings.showwarning, "collects_threads", False))
        return run_jobs(*args, **kwargs)

    monkeypatch.setattr(batch, "run_jobs", spied)
    with warnings.catch_warnings():  # restores the hook's forerunner at its end
        warnings.simplefilter("ignore", DataWarning)  # the indexed file's
        run_batch([str(warning_data)], tmp_path / "out", knowledge_base=tiny_kb, rounds="recommended",
                  progress=lambda line: None)
    assert seen == [True]


def test_threads_collect_their_own_warnings_and_the_others_are_shown():
    import threading

    barrier, got = threading.Barrier(2), {}

    def collecting(name):
        with batch._collected() as caught:
            barrier.wait()  # both collecting at once
            warnings.warn(f"from {name}", UserWarning)
            barrier.wait()
        got[name] = [str(w.message) for w in caught]

    with pytest.warns(UserWarning, match="from elsewhere") as shown:
        threads = [threading.Thread(target=collecting, args=(name,)) for name in ("a", "b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elsewhere = threading.Thread(target=warnings.warn, args=("from elsewhere", UserWarning))
        elsewhere.start()
        elsewhere.join()
    assert got == {"a": ["from a"], "b": ["from b"]}
    assert [str(w.message) for w in shown] == ["from elsewhere"]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_a_warning_the_filters_make_an_error_fails_its_dataset_and_the_batch_goes_on(n_jobs, warning_data, tiny_kb,
                                                                                    tmp_path):
    data = warning_data
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        table = run_batch([str(data)], tmp_path / "out", knowledge_base=tiny_kb, n_jobs=n_jobs, rounds="recommended",
                          progress=lambda line: None).set_index("dataset_id")
    assert table["status"].to_dict() == {"indexed": "failed", "plain": "ok"}
    assert table.loc["indexed", "error"].startswith("DataWarning: indexed.csv: column 1 has no name in its header")
    assert sorted(read_records(tmp_path / "out" / batch.RECORDS)) == ["indexed", "plain"]  # both saved


@pytest.mark.parametrize("make_input, message", [
    (lambda tmp: tmp / "missing.csv", "no such dataset"),
    (lambda tmp: tmp, "no dataset found"),
])
def test_command_line_without_any_dataset_exits_2(make_input, message, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    argv = ["batch", str(make_input(tmp_path / "empty")), "--out", str(tmp_path / "out")]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("metahpo: error:") and message in err and "\n" not in err


def test_the_reports_wall_clock_time_leaves_out_the_time_between_resumed_runs():
    from metahpo.batch import _busy

    # two workers side by side for 3 s, then a run resumed an hour later for 1 s
    assert _busy(np.array([0.0, 1.0, 3600.0]), np.array([2.0, 3.0, 3601.0])) == 4.0


def test_batch_recommends_with_the_strategy_it_is_given(tiny_kb, tmp_path):
    from metahpo.recommendations import recommend

    tops = {}
    for strategy in ("nearest", "surrogate"):
        table = run_batch(["sklearn:iris"], tmp_path / strategy, knowledge_base=tiny_kb, n=3, strategy=strategy,
                          rounds="recommended", progress=lambda line: None)
        tops[strategy] = table["config_id"].iloc[0]
        assert tops[strategy] == recommend("sklearn:iris", n=3, knowledge_base=tiny_kb, strategy=strategy,
                                           rounds="recommended").configs[0].config_id
    assert tops["nearest"] != tops["surrogate"]  # so that the strategy is seen to matter


def test_an_unnamed_target_is_the_one_the_data_are_read_with():
    from metahpo.build import read_target

    assert read_target("/data/a.csv", None) == read_target("/data/a.csv", "target") == "target"  # its column target
    assert read_target("/data/a.arff", None) is None and read_target("/data/a.arff.gz", None) is None  # an ARFF's own
    assert read_target("openml:31", None) is None and read_target("/data/a.csv", "label") == "label"
