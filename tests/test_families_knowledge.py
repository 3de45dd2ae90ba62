"""A model family is a parameter of recommend and tune: each family's knowledge base for its own configurations."""

import json

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

import metahpo
from metahpo import knowledge_base as kbm
from metahpo import metafeatures
from metahpo.datasets import load
from metahpo.estimators import MetaClassifier, MetaRegressor
from metahpo.evaluation import evaluate, make_folds
from metahpo.exceptions import ConfigError, KnowledgeBaseError
from metahpo.families import get_family
from metahpo.recommendations import choose_family


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
    with pytest.raises(ConfigError, match="^unknown model family 'trees'; known: lightgbm, linear, or 'auto' to "
                                          "search or choose among them$"):
        metahpo.recommend("sklearn:iris", family="trees")


def test_a_family_without_a_shipped_knowledge_base_says_how_to_build_one(monkeypatch, tmp_path):
    monkeypatch.setattr(kbm, "SHIPPED_PATHS", (tmp_path,))
    kbm.KnowledgeBase.empty("lightgbm").save(tmp_path)
    kbm._shipped.cache_clear()
    try:
        with pytest.raises(KnowledgeBaseError, match="no linear knowledge base ships.*kb build --family linear"):
            kbm.load_shipped("linear")
        assert kbm.load_shipped("lightgbm").family == "lightgbm"
    finally:
        kbm._shipped.cache_clear()


def test_tune_warm_starts_each_family_from_its_own_knowledge_base(tiny_linear_kb):
    dataset = load("sklearn:breast_cancer").subsample(150)
    result = metahpo.tune(dataset, n_trials=3, warm_start=2, sampler="random", cv=2, family="linear",
                          knowledge_base=tiny_linear_kb, verbose=False)
    assert result.recommendation is not None and result.recommendation.family == "linear"
    assert list(result.trials["source"][:2]) == ["recommended", "recommended"]


def test_the_command_line_recommends_a_family_and_prints_its_parameters(tiny_linear_kb, tmp_path, capsys):
    from metahpo.cli import main

    tiny_linear_kb.save(tmp_path / "kb")
    assert main(["recommend", "sklearn:breast_cancer", "--family", "linear", "--kb", str(tmp_path / "kb"), "-n", "2"]) == 0
    shown = capsys.readouterr()
    table = shown.out.split("\n\n")[0].splitlines()
    assert [line.split()[0] for line in table[3:]] == ["alpha", "l1_ratio", "expansion", "class_weight"]
    assert "get_family('linear').make_estimator(params, 'binary') rebuilds the model" in shown.err
    assert table[5].split()[1] in {"none", "spline", "quantile"}  # a choice printed as its text


@pytest.fixture
def both_shipped(monkeypatch, tiny_kb, tiny_linear_kb):
    """Both tiny knowledge bases as if they shipped."""
    shipped = {"lightgbm": tiny_kb, "linear": tiny_linear_kb}

    def load_shipped(family="lightgbm", zero_shot=False):
        if family not in shipped:
            raise KnowledgeBaseError(f"no {family} knowledge base ships")
        return shipped[family]

    from metahpo import batch

    monkeypatch.setattr(kbm, "load_shipped", load_shipped)
    batch._load.cache_clear()  # batch's workers keep the knowledge bases they loaded
    yield shipped
    batch._load.cache_clear()


@pytest.mark.parametrize("data", ["sklearn:breast_cancer", "sklearn:diabetes"])
def test_the_family_chosen_did_best_on_the_nearest_datasets_both_families_ran(both_shipped, data):

    dataset = load(data).subsample(150)
    choice = choose_family(metafeatures.extract(dataset), both_shipped, dataset.task)
    lightgbm, linear = (both_shipped[f].matrix(task=dataset.task).max(axis=1) for f in ("lightgbm", "linear"))
    common = set(lightgbm.index) & set(linear.index)
    assert set(choice.neighbors) == common and len(common) == 2  # both tiny knowledge bases ran two of each task
    linear_won = [d for d in choice.neighbors if linear[d] > lightgbm[d]]
    assert (choice.shares["linear"] > 0) == bool(linear_won) and np.isclose(sum(choice.shares.values()), 1.0)
    assert choice.family == max(choice.shares, key=choice.shares.get) and choice.family in choice.describe()

    rec = metahpo.recommend(dataset, n=2, family="auto")
    assert rec.family == choice.family and rec.notes[0] == f"Chose the {choice.describe()}."


def test_tune_shares_the_trials_by_the_families_choice_each_family_keeping_some(both_shipped):
    from metahpo.tuning import MIN_FAMILY_SHARE, _shares

    dataset = load("sklearn:breast_cancer").subsample(150)
    shares = choose_family(metafeatures.extract(dataset), both_shipped, dataset.task).shares
    weights = np.maximum([shares["lightgbm"], shares["linear"]], MIN_FAMILY_SHARE)
    expected = _shares(6, list(weights / weights.sum()))
    result = metahpo.tune(dataset, n_trials=6, warm_start=1, sampler="random", cv=2, family="auto", verbose=False)
    assert result.trials["family"].value_counts().reindex(["lightgbm", "linear"]).tolist() == expected


def test_trials_a_family_did_not_run_go_to_the_next():
    from metahpo.search import RandomSampler

    class DoneWithLightGBM(RandomSampler):  # converged at once on LightGBM's space, a random search elsewhere
        def ask(self, study, space, n=1):
            self.lightgbm = "num_leaves" in space.names
            return [] if self.lightgbm else super().ask(study, space, n)

        @property
        def converged(self):
            return getattr(self, "lightgbm", False)

    result = metahpo.tune(load("sklearn:breast_cancer").subsample(150), n_trials=6, warm_start=1,
                          sampler=DoneWithLightGBM(), cv=2, family="auto", verbose=False)
    assert result.trials["family"].value_counts().to_dict() == {"lightgbm": 1, "linear": 5}


@pytest.mark.parametrize("n_trials, weights, expected", [
    (10, [0.5, 0.5], [5, 5]), (3, [0.5, 0.5], [2, 1]), (1, [0.5, 0.5], [1, 0]),
    (10, [0.8, 0.2], [7, 3]), (10, [1.0, 0.0], [9, 1]), (None, [0.3, 0.7], [None, None]),
])
def test_trials_are_shared_in_proportion_each_family_getting_one_while_there_are_enough(n_trials, weights, expected):
    from metahpo.tuning import _shares

    assert _shares(n_trials, weights) == expected


@pytest.fixture
def two_datasets(tmp_path):
    """A binary and a regression dataset as CSV files."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("breast_cancer", "diabetes"):
        ds = load(f"sklearn:{name}").subsample(150)
        ds.X.assign(target=ds.y).to_csv(folder / f"{name}.csv", index=False)
    return folder


def test_batch_recommends_and_tunes_the_family_asked_for(two_datasets, tiny_linear_kb, tmp_path):
    from metahpo.batch import run_batch

    table = run_batch([str(two_datasets)], tmp_path / "out", knowledge_base=tiny_linear_kb, family="linear", n=2,
                      tune_trials=2, cv=2, progress=lambda line: None)
    assert table["status"].eq("ok").all() and table["family"].eq("linear").all()
    params = json.loads((tmp_path / "out" / "params" / "breast_cancer.json").read_text())
    assert {"alpha", "l1_ratio", "expansion", "class_weight"} <= set(params) and "n_estimators" not in params


def test_batch_with_the_family_auto_records_the_family_chosen_per_dataset(two_datasets, both_shipped, tmp_path):
    from metahpo.batch import run_batch
    from metahpo.recommendations import choose_family

    table = run_batch([str(two_datasets)], tmp_path / "out", family="auto", n=2, progress=lambda line: None)
    for name, task in (("breast_cancer", "binary"), ("diabetes", "regression")):
        dataset = load(str(two_datasets / f"{name}.csv"))
        expected = choose_family(metafeatures.extract(dataset), both_shipped, task).family
        assert table.set_index("dataset_id").at[name, "family"] == expected


def test_a_batch_folder_from_before_families_resumes_as_lightgbm(two_datasets, tiny_kb, tmp_path):
    from metahpo.batch import SETTINGS, run_batch

    out = tmp_path / "out"
    run_batch([str(two_datasets)], out, knowledge_base=tiny_kb, n=2, progress=lambda line: None)
    settings = json.loads((out / SETTINGS).read_text())
    (out / SETTINGS).write_text(json.dumps({k: v for k, v in settings.items() if k != "family"}))
    lines = []
    run_batch([str(two_datasets)], out, knowledge_base=tiny_kb, n=2, progress=lines.append)
    assert lines == ["batch: 2 of 2 datasets already done, 0 to run"]


def _expected_failed_checks(estimator):
    reason = ("the recommendation sees repeated rows, and the pipeline's medians, quantiles and level counts are "
              "not weighted: a weight of 0 or 2 is not the same as removing or repeating the row")
    return {"check_sample_weight_equivalence_on_dense_data": reason}


@parametrize_with_checks([MetaClassifier(family="linear"), MetaRegressor(family="linear")],
                         expected_failed_checks=_expected_failed_checks)
def test_the_family_estimators_pass_scikit_learns_checks(estimator, check, checked_linear_kb):
    estimator.set_params(knowledge_base=checked_linear_kb)  # instances are made at collection, the KB later
    check(estimator)


@pytest.mark.parametrize("data", ["sklearn:breast_cancer", "sklearn:diabetes"])
def test_a_family_estimator_trains_the_family_chosen_as_its_params_rebuild_it(both_shipped, data):
    dataset = load(data).subsample(150)
    estimator = (MetaClassifier if dataset.is_classification else MetaRegressor)(random_state=3)
    estimator.fit(dataset.X, dataset.y)
    assert estimator.family_ == estimator.recommendation_.family and estimator.params_["random_state"] == 3
    assert estimator.params_ == estimator.recommendation_.configs[0].params
    if dataset.is_classification:  # as MetaLGBMClassifier (and LGBMClassifier) say it
        assert estimator.n_classes_ == len(estimator.classes_) == 2
    rebuilt = get_family(estimator.family_).make_estimator(estimator.params_, dataset.task).fit(dataset.X, dataset.y)
    assert np.allclose(rebuilt.predict(dataset.X), estimator.predict(dataset.X))
    weights = np.where(np.arange(len(dataset.y)) % 2 == 0, 1.0, 0.0)
    weighted = clone(estimator).set_params(family="linear").fit(dataset.X, dataset.y, sample_weight=weights)
    assert weighted.family_ == "linear" and not np.allclose(
        weighted.predict(dataset.X), clone(weighted).fit(dataset.X, dataset.y).predict(dataset.X))
    with sklearn.config_context(enable_metadata_routing=True):  # a user's setting: the weights still reach the model
        routed = clone(weighted).fit(dataset.X, dataset.y, sample_weight=weights)
    np.testing.assert_array_equal(routed.predict(dataset.X), weighted.predict(dataset.X))


def test_tune_shares_equally_when_the_knowledge_bases_share_no_dataset(both_shipped, monkeypatch, capsys):
    from metahpo import tuning

    def no_common_dataset(*args, **kwargs):
        raise KnowledgeBaseError("the lightgbm and linear knowledge bases share no binary dataset")

    monkeypatch.setattr(tuning, "choose_family", no_common_dataset)
    result = metahpo.tune(load("sklearn:breast_cancer").subsample(150), n_trials=4, warm_start=1, sampler="random",
                          cv=2, family="auto")
    assert result.trials["family"].value_counts().to_dict() == {"lightgbm": 2, "linear": 2}
    assert "the trials shared equally: the lightgbm and linear knowledge bases share no" in capsys.readouterr().err


def test_recommend_takes_the_first_family_when_the_knowledge_bases_share_no_dataset(both_shipped, monkeypatch):
    from metahpo import recommendations

    def no_common_dataset(*args, **kwargs):
        raise KnowledgeBaseError("the lightgbm and linear knowledge bases share no binary dataset to compare the "
                                 "families on")

    monkeypatch.setattr(recommendations, "choose_family", no_common_dataset)  # a user's of one family, say
    dataset = load("sklearn:breast_cancer").subsample(150)
    rec = metahpo.recommend(dataset, n=2, family="auto")
    assert rec.family == "lightgbm" and rec.notes[0] == (
        "Chose the family lightgbm, the first with a knowledge base of binary data: the lightgbm and linear knowledge "
        "bases share no binary dataset to compare the families on.")
    assert metahpo.MetaClassifier().fit(dataset.X, dataset.y).family_ == "lightgbm"


def test_knowledge_bases_given_one_per_family_each_warm_start_their_own(tiny_kb, tiny_linear_kb, monkeypatch):
    def nothing_ships(family="lightgbm", zero_shot=False):
        raise KnowledgeBaseError(f"no {family} knowledge base ships")

    monkeypatch.setattr(kbm, "load_shipped", nothing_ships)
    both = [tiny_kb, tiny_linear_kb]
    assert kbm.of_families(both, ["lightgbm", "linear"]) == {"lightgbm": tiny_kb, "linear": tiny_linear_kb}
    assert kbm.resolve(both, "linear") is tiny_linear_kb and kbm.resolve([tiny_kb]) is tiny_kb
    with pytest.raises(KnowledgeBaseError, match="^knowledge bases of lightgbm and linear given: name the family$"):
        kbm.resolve(both)
    with pytest.raises(KnowledgeBaseError, match="^two lightgbm knowledge bases given: pass at most one per family$"):
        kbm.given([tiny_kb, tiny_kb])

    dataset = load("sklearn:breast_cancer").subsample(150)
    result = metahpo.tune(dataset, n_trials=4, warm_start=1, sampler="random", cv=2, family="auto",
                          knowledge_base=both, verbose=False)
    first = result.trials.groupby("family")["source"].first()
    assert first.to_dict() == {"lightgbm": "recommended", "linear": "recommended"}
    rec = metahpo.recommend(dataset, n=1, family="auto", knowledge_base=both, rounds="recommended")
    choice = choose_family(metafeatures.extract(dataset), {"lightgbm": tiny_kb, "linear": tiny_linear_kb},
                           dataset.task)
    assert rec.family == choice.family and rec.notes[0] == f"Chose the {choice.describe()}."


def test_each_familys_setup_line_times_its_own_setup(both_shipped, capsys, monkeypatch):
    import re
    import time

    late, real = [0.0], time.perf_counter  # every trial moves the clock on an hour: time carried over would show
    monkeypatch.setattr(time, "perf_counter", lambda: real() + late[0])
    metahpo.tune(load("sklearn:breast_cancer").subsample(150), n_trials=2, warm_start=1, sampler="random", cv=2,
                 family="auto", callbacks=[lambda study, trial: late.__setitem__(0, late[0] + 3600)])
    setups = re.findall(r"setup (.+?): random search of (\w+)", capsys.readouterr().err)
    assert sorted(family for _, family in setups) == ["lightgbm", "linear"]
    assert re.fullmatch(r"[\d.]+ s", setups[1][0])  # the second family's setup, after the first's trial: no hour
