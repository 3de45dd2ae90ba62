"""The shipped knowledge base's zero-shot part: read by recommendations handed out, not by tune."""

import pytest

import metahpo
from metahpo import knowledge_base as kbm
from metahpo.batch import run_batch
from metahpo.knowledge_base import ZERO_SHOT_PART, KnowledgeBase

IN_PART = "sk_breast_cancer"


@pytest.fixture
def shipped_with_part(tiny_kb, tmp_path, monkeypatch):
    """``tiny_kb`` shipped as a core without ``IN_PART`` and a zero-shot part holding it alone."""
    runs = tiny_kb.runs["dataset_id"] == IN_PART
    core = KnowledgeBase(tiny_kb.datasets[tiny_kb.datasets["dataset_id"] != IN_PART], tiny_kb.configurations,
                         tiny_kb.runs[~runs], tiny_kb.family, tiny_kb.space_version)
    used = tiny_kb.configurations["config_id"].isin(tiny_kb.runs.loc[runs, "config_id"])
    part = KnowledgeBase(tiny_kb.datasets[tiny_kb.datasets["dataset_id"] == IN_PART], tiny_kb.configurations[used],
                         tiny_kb.runs[runs], tiny_kb.family, tiny_kb.space_version)
    core.save(tmp_path)
    part.save(tmp_path / ZERO_SHOT_PART)
    monkeypatch.setattr(kbm, "SHIPPED_PATHS", (tmp_path,))
    kbm._shipped.cache_clear()
    yield
    kbm._shipped.cache_clear()


@pytest.mark.usefixtures("shipped_with_part")
def test_recommendations_read_the_part_and_tune_does_not(tiny_kb, tmp_path):
    everything = kbm.load_shipped(zero_shot=True)
    assert IN_PART in set(everything.datasets["dataset_id"]) - set(kbm.load_shipped().datasets["dataset_id"])
    assert len(everything.runs) == len(tiny_kb.runs) and kbm.load_shipped(zero_shot=True) is everything
    data = metahpo.load("sklearn:breast_cancer").subsample(150)
    rec = metahpo.recommend(data, n=2, rounds="recommended")
    assert IN_PART in rec.neighbors.index
    model = metahpo.MetaLGBMClassifier(rounds="recommended").fit(data.X, data.y)
    assert IN_PART in model.recommendation_.neighbors.index
    assert model.recommendation_.configs[0].config_id == rec.configs[0].config_id  # one answer, wherever asked
    tuned = metahpo.tune(data, n_trials=1, warm_start=1, cv=2, sampler="random", verbose=False)
    assert IN_PART not in tuned.recommendation.neighbors.index
    table = run_batch(["sklearn:breast_cancer"], tmp_path, n=2, max_rows=150, progress=lambda line: None)
    assert table["nearest"].tolist() == [IN_PART]  # batch's recommendation reads the part too
    # a knowledge base given by hand is read as it is, everywhere
    assert kbm.resolve(tiny_kb, zero_shot=True) is tiny_kb


def test_without_a_part_the_zero_shot_knowledge_base_is_the_core(tiny_kb, tmp_path, monkeypatch):
    tiny_kb.save(tmp_path)
    monkeypatch.setattr(kbm, "SHIPPED_PATHS", (tmp_path,))
    kbm._shipped.cache_clear()
    try:
        assert kbm.load_shipped(zero_shot=True) is kbm.load_shipped()
    finally:
        kbm._shipped.cache_clear()
