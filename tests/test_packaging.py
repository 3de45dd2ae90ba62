"""The shipped knowledge base: valid, and carried by a built wheel to any working directory."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from metahpo.knowledge_base import ZERO_SHOT_PART, KnowledgeBase, base_id

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_knowledge_base_is_valid_and_covers_every_task():
    info = KnowledgeBase.load(ROOT / "knowledge_base").info()
    assert info["n_datasets"] >= 200
    assert set(info["datasets_per_task"]) == {"binary", "multiclass", "regression"}
    assert info["metafeatures"] >= 30


def test_the_shipped_zero_shot_part_adds_larger_versions_of_shipped_datasets_only():
    core = KnowledgeBase.load(ROOT / "knowledge_base")
    part = KnowledgeBase.load(ROOT / "knowledge_base" / ZERO_SHOT_PART)
    assert part.family == core.family and part.space_version == core.space_version
    new, have = set(part.datasets["dataset_id"]), set(core.datasets["dataset_id"])
    assert new and not new & have and {base_id(i) for i in new} <= have  # versions of datasets the core holds
    assert part.datasets["n_rows"].min() > core.datasets["n_rows"].max()
    pool = core.runs.groupby("config_id")["dataset_id"].nunique()
    pool = set(pool.index[pool == core.datasets["dataset_id"].nunique()])  # run on every core dataset
    assert pool <= set(part.runs["config_id"])  # ... and on every new one: the merged pool stays dense
    assert len(core.merge(part).datasets) == len(core.datasets) + len(new)


def test_shipped_linear_knowledge_base_covers_every_task_on_the_same_datasets():
    lightgbm = KnowledgeBase.load(ROOT / "knowledge_base")
    linear = KnowledgeBase.load(ROOT / "knowledge_base" / "linear")
    info = linear.info()
    assert linear.family == "linear" and info["n_datasets"] >= 200
    assert set(info["datasets_per_task"]) == {"binary", "multiclass", "regression"}
    # runs of both families compare per dataset: the linear build ran every LightGBM dataset at its base size
    ids = set(lightgbm.datasets["dataset_id"])
    assert {i for i in ids if base_id(i) == i} <= set(linear.datasets["dataset_id"])


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel pip builds from a copy of what the package is built from: nothing the source tree's own
    build/ holds from an earlier build, and nothing written into the source tree."""
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("metahpo", "knowledge_base"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
                   check=True, capture_output=True)
    return next(out.glob("metahpo-*.whl"))


def test_wheel_carries_every_knowledge_base_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"metahpo/_shipped_kb/{p.relative_to(ROOT / 'knowledge_base').as_posix()}"
               for p in (ROOT / "knowledge_base").rglob("*") if p.is_file() and not p.name.startswith(".")}
    assert shipped and shipped <= names
    assert "metahpo/search/__init__.py" in names and "metahpo/integrations/optuna.py" in names


def test_installed_package_finds_the_shipped_kb_from_anywhere(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import metahpo, metahpo.knowledge_base as k; kb = k.load_shipped(); k.load_shipped('linear'); "
            "assert len(k.load_shipped(zero_shot=True).datasets) > len(kb.datasets); "
            "assert metahpo.__file__.startswith(%r), metahpo.__file__; "
            "rec = metahpo.recommend('sklearn:breast_cancer', n=2); print(len(rec), rec.task)") % str(site)
    done = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, capture_output=True, text=True,
                          env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", "binary"]


def test_every_public_name_resolves_and_the_warnings_are_public():
    import metahpo
    from metahpo import exceptions

    assert all(getattr(metahpo, name) is not None for name in metahpo.__all__)
    assert metahpo.DataWarning is exceptions.DataWarning and "DataWarning" in dir(metahpo)
