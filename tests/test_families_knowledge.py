"""A model family is a parameter of recommend and tune: each family's knowledge base for its own configurations."""

import numpy as np
import pytest

import metahpo
from metahpo import knowledge_base as kbm
from metahpo.datasets import load
from metahpo.evaluation import evaluate, make_folds
from metahpo.exceptions import KnowledgeBaseError
from metahpo.families import get_family


@pytest.mark.parametrize("data", ["sklearn:diabetes", "sklearn:breast_cancer"])
def test_recommend_hands_out_linear_configurations_that_rebuild_the_scored_model(tiny_linear_kb, data):
    dataset = load(data).subsample(150)
    rec = metahpo.recommend(dataset, n=2, family="linear", knowledge_base=tiny_linear_kb)
    space = get_family("linear").space_for(dataset.task)
    assert rec.family == "linear" and rec.to_dict()["family"] == "linear" and "linear configurations" in rec.explain()
    params = rec.configs[0].params
    assert "n_estimators" not in params and set(space.config_of(params)) == set(space.names)
    model = get_family("linear").make_estimator(params, dataset.task)
    train, valid = make_folds(dataset, 2)[0]
    model.fit(dataset.X.iloc[train], dataset.y.iloc[train])
    scored = evaluate(space.config_of(params), dataset, folds=[(train, valid)], family="linear", keep_oof=True)
    predicted = model.predict_proba(dataset.X.iloc[valid]) if dataset.is_classification else \
        model.predict(dataset.X.iloc[valid])
    assert np.allclose(predicted.reshape(scored.oof[valid].shape), scored.oof[valid])


def test_a_family_and_a_knowledge_base_of_another_are_refused_in_one_line(tiny_kb):
    with pytest.raises(KnowledgeBaseError, match="^the knowledge base holds lightgbm runs, not linear ones$"):
        metahpo.recommend("sklearn:iris", family="linear", knowledge_base=tiny_kb)


def test_a_family_without_a_shipped_knowledge_base_says_how_to_build_one(monkeypatch, tmp_path):
    monkeypatch.setattr(kbm, "SHIPPED_PATHS", (tmp_path,))
    kbm.KnowledgeBase.empty("lightgbm").save(tmp_path)
    kbm.load_shipped.cache_clear()
    try:
        with pytest.raises(KnowledgeBaseError, match="no linear knowledge base ships.*kb build --family linear"):
            kbm.load_shipped("linear")
        assert kbm.load_shipped("lightgbm").family == "lightgbm"
    finally:
        kbm.load_shipped.cache_clear()


def test_tune_warm_starts_each_family_from_its_own_knowledge_base(tiny_linear_kb):
    dataset = load("sklearn:breast_cancer").subsample(150)
    result = metahpo.tune(dataset, n_trials=3, warm_start=2, strategy="random", cv=2, family="linear",
                          knowledge_base=tiny_linear_kb, verbose=False)
    assert result.recommendation is not None and result.recommendation.family == "linear"
    assert list(result.trials["source"][:2]) == ["recommended", "recommended"]


def test_the_command_line_recommends_a_family_and_prints_its_parameters(tiny_linear_kb, tmp_path, capsys):
    from metahpo.cli import main

    tiny_linear_kb.save(tmp_path / "kb")
    assert main(["recommend", "sklearn:breast_cancer", "--family", "linear", "--kb", str(tmp_path / "kb"), "-n", "2"]) == 0
    table = capsys.readouterr().out.split("\n\n")[0].splitlines()
    assert [line.split()[0] for line in table[3:]] == ["alpha", "l1_ratio", "expansion", "class_weight"]
    assert table[5].split()[1] in {"none", "spline", "quantile"}  # a choice printed as its text
