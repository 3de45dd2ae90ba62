"""tune(): warm start, samplers, budgets, prior results, recording, refit, plots, CLI, Optuna.

The mechanics are those of one family's search, LightGBM's; the default, ``family="auto"``, which
searches every family, is tested in test_families_knowledge.py.
"""

import functools
import json
import os
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metahpo import tuning
from metahpo.cli import main
from metahpo.search import study as study_module
from metahpo.datasets import load
from metahpo.evaluation import evaluate
from metahpo.exceptions import ConfigError, DataError, DataWarning, KnowledgeBaseError
from metahpo.families import get_family
from metahpo.knowledge_base import KnowledgeBase
from metahpo.search import BayesSampler
from metahpo.spaces import LIGHTGBM, config_id, early_stopped
from metahpo.tuning import tune as tune_any_family

tune = functools.partial(tune_any_family, family="lightgbm")


@pytest.fixture(scope="module")
def wine():
    return load("sklearn:wine")


def test_warm_start_then_bayes_returns_a_ready_model(tiny_kb, wine):
    result = tune(wine, n_trials=6, warm_start=2, cv=3, knowledge_base=tiny_kb, random_state=0)
    trials = result.trials
    assert len(trials) == 6
    assert list(trials["source"][:2]) == ["recommended", "recommended"]
    recommended = [config_id(early_stopped(LIGHTGBM.config_of(c.params))) for c in result.recommendation.configs[:2]]
    assert [config_id(c) for c in [t.config for t in result.study.trials[:2]]] == recommended
    assert "bayes" in set(trials["source"]) or "local" in set(trials["source"])
    assert result.best_score == trials["score"].max()
    assert result.best_params["n_estimators"] >= 1 and result.best_params["subsample_freq"] == 1
    LIGHTGBM.config_of(result.best_params)
    import lightgbm  # the README's promise: these parameters are the model tune returns

    rebuilt = lightgbm.LGBMClassifier(**result.best_params, n_jobs=1).fit(wine.X, wine.y)
    np.testing.assert_allclose(rebuilt.predict_proba(wine.X), result.predict_proba(wine.X), rtol=0, atol=1e-12)
    proba = result.predict_proba(wine.X)
    assert proba.shape == (len(wine.X), 3) and np.allclose(proba.sum(axis=1), 1)
    assert (result.predict(wine.X) == wine.y).mean() > 0.9
    assert {"number", "source", "score", "status", "fit_time", "learning_rate"} <= set(trials.columns)


def test_the_refit_grows_regression_rounds_as_a_recommendation_does(capsys):
    diabetes = load("sklearn:diabetes")
    result = tune(diabetes, n_trials=2, sampler=None, cv=3, random_state=0)
    best = max(result.study.trials, key=lambda t: t.score)
    # the refit trains on 3/2 of a fold's rows: the rounds early stopping chose, times (3/2) ** 0.5
    rounds = result.best_params["n_estimators"]
    assert rounds == max(1, round(best.best_iteration * 1.5**0.5))
    said = f"refitted on all 442 rows with {rounds} rounds: the folds' median {best.best_iteration} times 1.22"
    assert said in capsys.readouterr().err
    import lightgbm

    rebuilt = lightgbm.LGBMRegressor(**result.best_params, n_jobs=1).fit(diabetes.X, diabetes.y)
    np.testing.assert_allclose(rebuilt.predict(diabetes.X), result.predict(diabetes.X), rtol=0, atol=1e-9)
    classified = tune(load("sklearn:breast_cancer").subsample(200), n_trials=1, sampler=None, cv=3)
    assert classified.best_params["n_estimators"] == classified.study.trials[0].best_iteration  # no growth


def test_a_class_rarer_than_the_folds_is_said():
    from metahpo.exceptions import DataWarning

    X, y = pd.DataFrame({"a": np.random.default_rng(5).normal(size=60)}), (np.arange(60) < 2).astype(int)
    with pytest.warns(DataWarning, match=r"^class 1 has 2 rows, fewer than the 3 folds: the folds are shuffled, not "
                                         r"stratified, and a fold whose validation part lacks a class may go unscored"):
        tune(X, y, n_trials=1, sampler=None, cv=3, family="lightgbm", verbose=False)


def test_a_fold_validated_on_classes_it_never_trains_on_is_an_error_before_any_trial():
    from metahpo.exceptions import DataWarning

    X, y = pd.DataFrame({"a": np.random.default_rng(0).normal(size=10)}), np.array([0, 0, 0, 0, 1] * 2)
    with pytest.warns(DataWarning, match="fewer than the 5 folds"), \
            pytest.raises(DataError, match=r"validates fold 2 on none of the classes its training part holds: .* give "
                                          r"fewer folds"):
        tune(X, y, n_trials=2, cv=5, family="lightgbm", random_state=0, verbose=False)


def test_warm_start_fits_the_rows_each_trial_trains_on(tiny_kb, monkeypatch):
    from metahpo.recommendations import Recommender

    asked = []
    recommend = Recommender.recommend
    monkeypatch.setattr(Recommender, "recommend", lambda self, *a, **kw: asked.append(kw) or recommend(self, *a, **kw))
    ds = load("sklearn:breast_cancer").subsample(90)
    tune(ds, n_trials=1, warm_start=1, sampler="random", cv=3, knowledge_base=tiny_kb)
    assert asked == [{"train_rows": 60}]


def test_the_warm_start_tries_as_many_distinct_recommendations_as_asked(tiny_kb, monkeypatch, capsys):
    from dataclasses import replace

    from metahpo.recommendations import Recommender

    recommend = Recommender.recommend

    def second_alike(self, metafeatures, n, *args, **kwargs):  # as LightGBM's defaults as shipped and early stopped
        rec = recommend(self, metafeatures, n, *args, **kwargs)
        first = rec.configs[0]
        twin = replace(first, params={**first.params, "n_estimators": first.params.get("n_estimators", 100) + 7})
        return replace(rec, configs=[first, twin, *rec.configs[1:]][:n])

    monkeypatch.setattr(Recommender, "recommend", second_alike)
    ds = load("sklearn:breast_cancer").subsample(90)
    result = tune(ds, n_trials=3, warm_start=3, sampler="random", cv=2, knowledge_base=tiny_kb)
    trials = result.study.trials
    assert [t.source for t in trials] == ["recommended"] * 3
    assert len({config_id(early_stopped(t.config)) for t in trials}) == 3
    assert [early_stopped(LIGHTGBM.config_of(c.params)) for c in result.recommendation.configs] == [
        early_stopped(t.config) for t in trials]
    assert "3 recommended first" in capsys.readouterr().err


def test_cold_start_needs_no_knowledge_base(wine):
    result = tune(wine, n_trials=3, sampler=None, cv=3, knowledge_base="/nonexistent", random_state=1)
    assert result.recommendation is None
    assert set(result.trials["source"]) == {"random"}


@pytest.mark.parametrize("sampler", ["random", "local", "grid", "evolution"])
def test_every_sampler_runs(tiny_kb, sampler):
    ds = load("sklearn:breast_cancer").subsample(200)
    result = tune(ds, n_trials=3, warm_start=1, sampler=sampler, cv=2, knowledge_base=tiny_kb)
    assert len(result.trials) == 3 and result.trials["status"].eq("ok").all()


def test_a_sampler_instance_is_searched_with_as_its_name_would_be(tiny_kb):
    ds = load("sklearn:breast_cancer").subsample(120)
    mine = BayesSampler(random_state=7)
    by_instance = tune(ds, n_trials=6, warm_start=2, sampler=mine, cv=2, knowledge_base=tiny_kb, random_state=7,
                       verbose=False)
    by_name = tune(ds, n_trials=6, warm_start=2, sampler="bayes", cv=2, knowledge_base=tiny_kb, random_state=7,
                   verbose=False)
    assert list(by_instance.trials["source"]) == ["recommended"] * 2 + ["local"] + ["bayes"] * 3
    assert [t.config for t in by_instance.study.trials] == [t.config for t in by_name.study.trials]  # the prior too
    assert mine.prior_mean is None and mine.trust_region.length == 0.4  # the user's sampler is left as it was
    with pytest.raises(ConfigError, match="a sampler"):
        tune(ds, n_trials=1, sampler=3, knowledge_base=tiny_kb)


def test_strategy_still_names_the_sampler_with_a_future_warning_and_the_same_trials(tiny_kb):
    ds = load("sklearn:breast_cancer").subsample(120)
    kw = dict(n_trials=3, warm_start=1, cv=2, n_jobs=1, knowledge_base=tiny_kb, random_state=3, verbose=False)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "strategy", FutureWarning)  # the new name warns of nothing
        new = tune(ds, sampler="random", **kw)
    with pytest.warns(FutureWarning, match="strategy is renamed sampler in tune") as caught:
        old = tune(ds, strategy="random", **kw)
    assert next(w for w in caught if "renamed" in str(w.message)).filename == __file__  # the caller's line
    assert list(new.trials["source"]) == ["recommended", "random", "random"]
    assert [t.config for t in old.study.trials] == [t.config for t in new.study.trials]
    assert old.best_score == new.best_score


@pytest.mark.parametrize("sampler", ["bayes", None, "random"])
def test_sampler_and_strategy_together_are_a_config_error_naming_both(wine, sampler):
    with pytest.raises(ConfigError, match=re.escape(f"give sampler={sampler!r} or strategy='random', not both")):
        tune(wine, n_trials=1, sampler=sampler, strategy="random")


def test_a_used_sampler_given_to_tune_starts_again_from_its_seed():
    from metahpo.search import RandomSampler, Study

    ds = load("sklearn:breast_cancer").subsample(120)
    used = RandomSampler(random_state=7)
    used.ask(Study(), LIGHTGBM, 5)  # its state moved on
    runs = [tune(ds, n_trials=3, warm_start=0, sampler=sampler, cv=2, verbose=False)
            for sampler in (used, RandomSampler(random_state=7))]
    assert [t.config for t in runs[0].study.trials] == [t.config for t in runs[1].study.trials]


def test_a_sampler_that_breaks_keeps_tunes_trials_in_its_error():
    from metahpo.exceptions import SamplerError
    from metahpo.search import RandomSampler

    class Breaks(RandomSampler):
        def ask(self, study, space, n=1):
            if len(study.trials) == 2:
                raise RuntimeError("my bug")
            return super().ask(study, space, n)

    ds = load("sklearn:breast_cancer").subsample(120)
    with pytest.raises(SamplerError, match="Breaks.ask raised RuntimeError: my bug; .* 2 trials") as caught:
        tune(ds, n_trials=5, warm_start=0, sampler=Breaks(random_state=0), cv=2, verbose=False)
    assert [t.status for t in caught.value.study.trials] == ["ok", "ok"]


def test_prior_results_are_not_rerun(tiny_kb):
    ds = load("sklearn:diabetes").subsample(200)
    configs = LIGHTGBM.sample(2, 5)
    prior = pd.DataFrame(configs).assign(score=[0.1, 0.2])
    result = tune(ds, n_trials=3, warm_start=1, cv=2, knowledge_base=tiny_kb, prior=prior)
    trials = result.trials
    assert list(trials["source"][:2]) == ["prior", "prior"]
    assert len(trials) == 5
    ran = [config_id(t.config) for t in result.study.trials[2:]]
    assert not set(ran) & {config_id(c) for c in configs}


def test_a_prior_result_that_wins_is_refitted_with_rounds_from_the_folds(wine):
    from metahpo.evaluation import evaluate, make_folds

    config = LIGHTGBM.sample(1, 3)[0]
    prior = pd.DataFrame([config]).assign(score=0.0)  # a log loss of 0: no trial can beat it
    result = tune(wine, n_trials=1, sampler=None, cv=2, prior=prior, random_state=0)
    assert result.trials["source"].iloc[0] == "prior" and result.best_score == 0.0
    rounds = evaluate(config, wine, folds=make_folds(wine, 2, random_state=0), random_state=0).best_iteration
    assert result.best_params["n_estimators"] == rounds != 100  # not LightGBM's default


def test_a_prior_result_of_fixed_rounds_keeps_them_and_a_repeated_configuration_is_an_error(wine, capsys):
    config = LIGHTGBM.sample(1, 3)[0]
    prior = pd.DataFrame([config, config]).assign(n_estimators=[37, np.nan], score=[0.0, -1.0])
    evaluated = []
    result = tune(wine, n_trials=1, sampler=None, cv=2, prior=prior, random_state=0,
                  callbacks=[lambda study, trial: evaluated.append(trial.config)])
    assert result.best_score == 0.0 and result.best_params["n_estimators"] == 37  # the rounds it was scored with
    assert "refitted" not in capsys.readouterr().err and len(evaluated) == 1  # no rounds to find: not run again
    assert len(result.trials) == 3  # the early-stopped one is another configuration
    with pytest.raises(ConfigError, match="the prior's rows 1 and 2 hold the same configuration: give each once"):
        tune(wine, n_trials=1, sampler=None, prior=pd.DataFrame([config, config]).assign(score=[0.0, -1.0]))


def test_a_loss_given_as_a_positive_prior_score_of_a_negated_loss_metric_is_refused(wine):
    prior = pd.DataFrame(LIGHTGBM.sample(2, 3)).assign(score=[-0.3, 0.45])  # a log loss as other tools report it
    with pytest.raises(DataError, match=r"^the prior's score in row 2 is 0.45, but neg_log_loss scores are negated "
                                        r"losses \(greater is better, at most 0\): give -loss \(-0.45\)$"):
        tune(wine, n_trials=1, sampler=None, prior=prior)  # wine's metric: neg_log_loss
    assert tuning.check_prior(prior, LIGHTGBM, "accuracy")[1] == [-0.3, 0.45]  # a score, not a loss


def test_the_setup_line_counts_the_recommendations_a_prior_already_holds(tiny_kb, wine, capsys):
    first = tune(wine, n_trials=2, warm_start=2, cv=2, knowledge_base=tiny_kb, random_state=0, verbose=False)
    prior = first.trials[first.study.space.names].assign(score=first.trials["score"])
    result = tune(wine, n_trials=3, warm_start=3, cv=2, knowledge_base=tiny_kb, random_state=0, prior=prior)
    assert "1 recommended first" in capsys.readouterr().err
    assert list(result.trials["source"]) == ["prior", "prior", "recommended", "bayes", "bayes"]


def test_trials_are_pruned_when_a_fold_of_the_best_goes_unscored():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(300, 4)), columns=list("abcd"))
    y = np.zeros(300, dtype=int)
    y[np.argsort(-X["a"].to_numpy())[:4]] = 1  # four positives: some of the five folds validate on none
    with pytest.warns(DataWarning, match="fewer than the 5 folds"):
        result = tune(X, y, cv=5, n_trials=8, sampler="random", warm_start=1, prune=True, metric="roc_auc",
                      random_state=0, verbose=False)
    assert np.isnan(result.study.best_trial.fold_scores).any()  # the bar's folds: not every one scored
    assert (result.trials["status"] == "pruned").any()  # the bar was all NaN before, and pruned nothing


def test_a_budget_and_n_jobs_are_checked_before_the_data_is_read(tmp_path):
    missing = tmp_path / "missing.csv"
    with pytest.raises(ConfigError, match="give a budget"):
        tune(missing, n_trials=None)
    with pytest.raises(ConfigError, match="n_jobs must be a positive integer or -1, got 0"):
        tune(missing, n_trials=1, n_jobs=0)


def test_a_prior_is_read_from_a_file_and_a_ctrl_c_while_its_rounds_are_found_returns_the_best_trial(
        wine, tmp_path, capsys, monkeypatch):
    from metahpo import tuning

    config = LIGHTGBM.sample(1, 3)[0]
    pd.DataFrame([config]).assign(score=0.0).to_csv(tmp_path / "prior.csv", index=False)
    real = tuning.evaluate

    def ctrl_c_on_the_prior(candidate, *args, **kwargs):
        if candidate == config:
            raise KeyboardInterrupt
        return real(candidate, *args, **kwargs)

    monkeypatch.setattr(tuning, "evaluate", ctrl_c_on_the_prior)
    result = tune(wine, n_trials=2, sampler=None, cv=2, prior=tmp_path / "prior.csv", random_state=0)
    assert list(result.trials["source"]) == ["prior", "random", "random"]  # read from the file
    assert result.interrupted and result.best_score == max(t.score for t in result.study.trials[1:])
    assert "interrupted while the best prior result's rounds were found" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="the prior must be a DataFrame or a table file's path, got list"):
        tune(wine, n_trials=1, sampler=None, prior=[config])


def test_numpy_integers_are_taken_as_counts(tiny_kb, wine):
    result = tune(wine, n_trials=np.int64(2), warm_start=np.int64(1), ensemble=np.int64(2), cv=np.int64(2),
                  n_jobs=np.int64(1), knowledge_base=tiny_kb, verbose=False)
    assert list(result.trials["source"])[0] == "recommended" and len(result.trials) == 2
    assert result.ensemble is not None


def test_a_sampler_that_breaks_in_a_later_family_keeps_every_familys_trials_in_its_error(tiny_kb, tiny_linear_kb):
    from metahpo.exceptions import SamplerError
    from metahpo.search import RandomSampler

    class BreaksOnLinear(RandomSampler):
        def ask(self, study, space, n=1):
            if space.family == "linear":
                raise RuntimeError("my bug")
            return super().ask(study, space, n)

    ds = load("sklearn:breast_cancer").subsample(120)
    with pytest.raises(SamplerError, match=r"^BreaksOnLinear.ask raised RuntimeError: my bug") as caught:
        tune_any_family(ds, n_trials=4, warm_start=1, sampler=BreaksOnLinear(random_state=0), cv=2,
                        knowledge_base=[tiny_kb, tiny_linear_kb], verbose=False)
    studies = caught.value.studies
    assert list(studies) == ["lightgbm", "linear"] and studies["linear"] is caught.value.study
    assert studies["lightgbm"].trials and [t.source for t in studies["linear"].trials] == ["recommended"]


def test_a_grid_of_another_familys_parameters_is_refused_before_any_trial(wine, monkeypatch):
    from metahpo.search import GridSampler

    monkeypatch.setattr(tuning, "evaluate", None)  # no trial may run
    grid = GridSampler(values={"num_leaves": [4, 8]})
    with pytest.raises(ConfigError, match=r"do not fit the linear family's space, which family='auto' searches too: "
                                          r"grid values for 1 unknown parameter \(num_leaves\).*; give "
                                          r"family='lightgbm'"):
        tune_any_family(wine, n_trials=4, sampler=grid, cv=2, verbose=False)
    with pytest.raises(ConfigError, match=r"^grid values for 1 unknown parameter \(num_leaves\)"):
        tune_any_family(wine, n_trials=4, family="linear", sampler=grid, cv=2, verbose=False)


def test_sampler_instances_without_a_seed_or_init_are_seeded_by_random_state_and_one_not_copyable_refused(wine):
    import threading

    from metahpo.search import RandomSampler

    ds = load("sklearn:breast_cancer").subsample(120)
    kw = dict(n_trials=2, warm_start=0, cv=2, random_state=4, verbose=False)
    runs = [[t.config for t in tune(ds, sampler=RandomSampler(), **kw).study.trials] for _ in range(2)]
    assert runs[0] == runs[1] == [t.config for t in tune(ds, sampler=RandomSampler(random_state=4), **kw).study.trials]

    class NoInit(RandomSampler):  # BaseSampler.__init__ not called
        def __init__(self):
            pass

    assert [t.config for t in tune(ds, sampler=NoInit(), **kw).study.trials] == runs[0]

    class Locked(RandomSampler):
        lock = threading.Lock()

        def __init__(self):
            super().__init__(0)
            self.lock = Locked.lock

    with pytest.raises(ConfigError, match="the sampler Locked cannot be copied"):
        tune(ds, sampler=Locked(), **kw)


def test_a_bayes_sampler_with_its_own_prior_mean_is_not_given_the_surrogate(tiny_kb, monkeypatch, capsys):
    kinds = []

    def recommender(kb, task, kind, metric):
        kinds.append(kind)
        return get_recommender(kb, task, kind, metric)

    get_recommender = tuning.get_recommender
    monkeypatch.setattr(tuning, "get_recommender", recommender)
    ds = load("sklearn:breast_cancer").subsample(120)
    mine = BayesSampler(prior_mean=lambda U: -np.sum((U - 0.5) ** 2, axis=1), random_state=0)
    tune(ds, n_trials=1, warm_start=1, sampler=mine, cv=2, knowledge_base=tiny_kb)
    assert kinds == ["auto"] and "bayes search of lightgbm, 1 recommended first, the given prior mean" in \
        capsys.readouterr().err


def test_bad_prior_and_sampler_are_clear_errors(tiny_kb, wine):
    with pytest.raises(ConfigError, match="score"):
        tune(wine, n_trials=1, knowledge_base=tiny_kb, prior=pd.DataFrame({"learning_rate": [0.1]}))
    with pytest.raises(ConfigError, match="unknown sampler 'magic'"):
        tune(wine, n_trials=1, sampler="magic", knowledge_base=tiny_kb)
    with pytest.raises(ConfigError, match="budget"):
        tune(wine, n_trials=None, timeout=None, sampler=None)
    with pytest.raises(ConfigError, match="no trial ran: the timeout of 1e-09 s ran out before the first; give more"):
        tune(wine, n_trials=None, timeout=1e-9, sampler=None)

    from metahpo.search import BaseSampler

    class Done(BaseSampler):  # nothing to propose from the start
        converged = True

        def ask(self, study, space, n=1):
            return []

    with pytest.raises(ConfigError, match="no trial ran: the sampler proposed none"):
        tune(wine, n_trials=2, warm_start=0, sampler=Done(), family="lightgbm")
    for n_trials in (0, 2.5):
        with pytest.raises(ConfigError, match=f"n_trials must be a whole number of trials, at least 1; got {n_trials}"):
            tune(wine, n_trials=n_trials, sampler=None)
    with pytest.raises(ConfigError, match="metric 'r2' does not score multiclass models"):
        tune(wine, n_trials=1, sampler=None, metric="r2")
    with pytest.raises(ConfigError, match=r"callbacks must be a list of callables, got .*; give \[print\]"):
        tune(wine, n_trials=1, sampler=None, callbacks=print)


def test_an_interrupt_ends_every_familys_search_and_the_result_says_so(wine, capsys, monkeypatch):
    def interrupt_after_two(study, trial):
        if len(study.trials) == 2:
            raise KeyboardInterrupt

    result = tune(wine, n_trials=6, family="auto", sampler=None, cv=2, callbacks=[interrupt_after_two])
    assert result.interrupted and result.to_dict()["interrupted"] and len(result.trials) == 2
    assert [len(s.trials) for s in result.studies.values()] == [2, 0]  # the linear family's search never began
    assert list(result.trials["family"]) == ["lightgbm"] * 2
    assert "after 2 trials, interrupted, in" in capsys.readouterr().err

    def interrupted_at_once(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(study_module, "_run", interrupted_at_once)
    with pytest.raises(KeyboardInterrupt):  # no trial to return: the interrupt goes on up
        tune(wine, n_trials=3, family="lightgbm", sampler=None, cv=2, verbose=False)


def test_an_interrupt_in_the_refit_or_a_callback_keeps_the_search_and_every_recorded_trial(wine, tmp_path, capsys,
                                                                                              monkeypatch):
    from metahpo import tuning

    def interrupt_at_two(study, trial):
        if len(study.trials) == 2:
            raise KeyboardInterrupt

    result = tune(wine, n_trials=4, sampler=None, cv=2, callbacks=[interrupt_at_two], record_to=tmp_path / "cb")
    assert result.interrupted and len(KnowledgeBase.load(tmp_path / "cb").runs) == 2  # recorded before the callback

    real = tuning.make_estimator

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    def unfinished(*args, **kwargs):
        model = real(*args, **kwargs)
        model.fit = ctrl_c
        return model

    # Ctrl-C in the second family's setup: the first family's search stands
    run = tuning._Search.run

    def second_setup_interrupted(self, model_family, *args):
        if model_family.name != "lightgbm":
            raise KeyboardInterrupt
        return run(self, model_family, *args)

    with monkeypatch.context() as patch:
        patch.setattr(tuning._Search, "run", second_setup_interrupted)
        both = tune_any_family(wine, n_trials=4, family="auto", sampler=None, cv=2, verbose=False)
    assert both.interrupted and len(both.trials) == 2 and not both.studies["linear"].trials

    with monkeypatch.context() as patch:  # Ctrl-C while the ensemble is chosen: the best trial alone
        patch.setattr(tuning, "ensemble_select", ctrl_c)
        alone = tune(wine, n_trials=3, sampler=None, cv=2, ensemble=2)
    assert alone.interrupted and alone.ensemble is None and len(alone.trials) == 3
    assert "interrupted while the ensemble was chosen: the model is the best trial's alone" in capsys.readouterr().err

    monkeypatch.setattr(tuning, "make_estimator", unfinished)
    result = tune(wine, n_trials=3, sampler=None, cv=2, record_to=tmp_path / "refit")
    assert result.interrupted and len(result.trials) == 3 and result.best_params["n_estimators"] >= 1
    assert "interrupted during the final refit: the model is not fitted" in capsys.readouterr().err
    assert len(KnowledgeBase.load(tmp_path / "refit").runs) == 3


def test_recommend_and_tune_make_the_columns_named_categorical_as_load_does(tiny_kb):
    from metahpo import recommend

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"code": rng.integers(0, 4, 200), "x": rng.normal(size=200)})
    frame["label"] = (frame["code"] % 2 == 0) ^ (frame["x"] > 1)
    result = tune(frame, target="label", categorical=["code"], n_trials=1, sampler=None, cv=2, family="lightgbm",
                  verbose=False)
    assert isinstance(result.dataset.X["code"].dtype, pd.CategoricalDtype)
    with pytest.raises(DataError, match="categorical column 'nope' not found"):
        recommend(frame, target="label", categorical=["nope"], knowledge_base=tiny_kb, verbose=False)
    with pytest.raises(DataError, match="pass categorical= to the load that made it"):
        recommend(load(frame, target="label"), categorical=["code"], knowledge_base=tiny_kb, verbose=False)


def test_pruning_is_off_by_default_and_can_be_switched_on(wine, capsys):
    full = tune(wine, n_trials=6, sampler=None, cv=3, random_state=0, verbose=False)
    pruned = tune(wine, n_trials=6, sampler=None, cv=3, prune=True, random_state=0)
    statuses = pruned.trials["status"]
    assert (statuses == "pruned").any() and statuses.isin(["ok", "pruned"]).all()
    assert full.trials["status"].eq("ok").all()
    assert pruned.study.best_trial.ok and pruned.best_score == full.best_score  # the same best, fewer folds
    assert "pruned" in capsys.readouterr().err  # the progress line says so
    with pytest.raises(ConfigError, match="prune must be True or False"):
        tune(wine, n_trials=1, sampler=None, prune="yes")


def test_timeout_budget_stops_the_search(wine):
    result = tune(wine, n_trials=None, timeout=1.0, sampler=None, cv=2, verbose=False)
    started = pd.to_datetime(result.trials["started"])
    assert len(started) >= 1 and started.max() - started.min() < pd.Timedelta(seconds=1.0)  # none after the timeout


def test_record_to_appends_every_trial(tiny_kb, wine, tmp_path):
    tune(wine, n_trials=3, warm_start=1, cv=2, knowledge_base=tiny_kb, record_to=tmp_path / "mine")
    tune(wine, n_trials=2, sampler=None, cv=2, record_to=tmp_path / "mine", random_state=3)
    kb = KnowledgeBase.load(tmp_path / "mine")
    assert kb.info()["n_datasets"] == 1  # the same data is the same dataset
    assert kb.info()["n_runs"] == 5 and len(kb.metafeature_names) >= 30
    assert (kb.runs["total_time"] >= kb.runs["fit_time"]).all() and kb.runs["fit_time"].gt(0).all()  # its CPU-hours
    origins = set(kb.configurations["origin"])
    assert "tune-recommended" in origins  # produced elsewhere; what the search drew was produced on this dataset
    assert {o.partition(":")[0] for o in origins} >= {"tune-recommended", "tune-random"}
    assert set().union(*kb.producers()) == set(kb.datasets["dataset_id"])
    merged = tiny_kb.merge(kb)
    assert merged.info()["n_datasets"] == tiny_kb.info()["n_datasets"] + 1


def test_a_killed_search_resumes_where_it_stopped_as_the_whole_search_would_have_run(tiny_kb, wine, tmp_path,
                                                                                     capsys):
    kw = dict(n_trials=5, sampler="random", warm_start=2, cv=2, knowledge_base=tiny_kb, family="lightgbm",
              random_state=1)
    whole = tune(wine, record_to=tmp_path / "whole", verbose=False, **kw)

    def killed_after_three(study, trial):
        if len(study.trials) == 3:
            raise KeyboardInterrupt

    # nothing recorded yet: a new search
    cut = tune(wine, record_to=tmp_path / "cut", resume=True, callbacks=[killed_after_three], verbose=False, **kw)
    assert cut.interrupted and len(cut.study.trials) == 3
    resumed = tune(wine, record_to=tmp_path / "cut", resume=True, **kw)
    trials = [(t.number, t.config, t.source, t.status, t.best_iteration) for t in resumed.study.trials]
    assert trials == [(t.number, t.config, t.source, t.status, t.best_iteration) for t in whole.study.trials]
    assert [t.score for t in resumed.study.trials] == pytest.approx([t.score for t in whole.study.trials])
    assert resumed.study.trials[0].fold_scores == pytest.approx(whole.study.trials[0].fold_scores, abs=1e-6)  # pruning
    assert resumed.best_params == whole.best_params and len(KnowledgeBase.load(tmp_path / "cut").runs) == 5
    err = capsys.readouterr().err
    assert ", 3 recorded trials resumed" in err and "recommended first" not in err  # both among the resumed
    assert "trial 4/5" in err and "trial 5/5" in err and "trial 1/5" not in err
    assert " after 5 trials (3 resumed) in " in err.splitlines()[-1]
    # the budget spent: nothing runs, and the best is rebuilt from what was recorded
    again = tune(wine, record_to=tmp_path / "cut", resume=True, verbose=False, **{**kw, "n_trials": 3})
    assert len(again.study.trials) == 5 and again.best_params == whole.best_params
    # trials of other folds are another search's, whose runs this one's would replace: refused, resumed or not
    for resume in (True, False):
        with pytest.raises(ConfigError, match=r"holds 5 trials with 2 folds of these data, and this search has cv=3"):
            tune(wine, record_to=tmp_path / "cut", resume=resume, **{**kw, "n_trials": 1, "cv": 3})
    assert len(KnowledgeBase.load(tmp_path / "cut").runs) == 5
    # the same data given another way (a frame, a file) resume under the name the record holds them by
    path = tmp_path / "wine.csv"
    wine.X.assign(target=wine.y).to_csv(path, index=False)
    from_file = tune(str(path), record_to=tmp_path / "cut", resume=True, verbose=False, **{**kw, "n_trials": 5})
    assert sum(bool(t.user_attrs.get("resumed")) for t in from_file.study.trials) == 5


def test_recorded_trials_given_as_prior_results_too_count_toward_the_budget_once(wine, tmp_path, capsys):
    kw = dict(n_trials=4, sampler="random", cv=2, family="lightgbm", random_state=1, record_to=tmp_path / "rec")
    whole = tune(wine, verbose=False, **kw)
    prior = whole.trials[LIGHTGBM.names].iloc[:2].assign(score=whole.trials["score"].iloc[:2])
    resumed = tune(wine, resume=True, prior=prior, **kw)  # the budget spent: no trial runs
    assert ", 2 recorded trials resumed (2 more given as prior results too)" in capsys.readouterr().err
    assert len(resumed.study.trials) == 4 and len(KnowledgeBase.load(tmp_path / "rec").runs) == 4
    assert resumed.best_score == pytest.approx(whole.best_score)


def test_a_search_on_a_metric_the_record_lacks_runs_its_trials_again(tmp_path, capsys):
    cancer = load("sklearn:breast_cancer").subsample(150)
    kw = dict(n_trials=2, sampler=None, cv=2, record_to=tmp_path / "rec", random_state=0)
    tune(cancer, **kw, verbose=False)  # roc_auc: binary records hold no balanced accuracy
    result = tune(cancer, **kw, resume=True, metric="balanced_accuracy")
    assert "2 recorded trials without a balanced_accuracy score not resumed" in capsys.readouterr().err
    assert result.trials["status"].eq("ok").all() and result.trials["score"].notna().all()  # run, not "failed"


def test_a_record_of_failed_trials_on_a_metric_it_does_not_store_is_read_again(tmp_path):
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(59), np.ones(59), [2, 3]].astype(int)  # a class of one row in each validation part
    kw = dict(n_trials=2, cv=2, sampler="random", record_to=tmp_path / "rec", random_state=0, metric="roc_auc_ovr",
              verbose=False)
    for _ in range(2):  # no fold has every class: no trial has a score, and the record of that is read again
        with pytest.raises(ConfigError, match="every trial failed"), \
                pytest.warns(DataWarning, match="class 2 has 1 row"):
            tune(rng.normal(size=(120, 3)), y, **kw)


def test_an_ingested_history_leaves_a_tune_record_resumable(tmp_path):
    from metahpo.build import ingest

    cancer = load("sklearn:breast_cancer").subsample(150)
    kw = dict(n_trials=2, sampler=None, cv=2, record_to=tmp_path / "rec", random_state=0, verbose=False)
    first = tune(cancer, **kw)
    ingest(tmp_path / "rec", cancer, first.trials[LIGHTGBM.names].assign(score=0.5), metric="roc_auc")  # the same
    runs = KnowledgeBase.load(tmp_path / "rec").runs
    assert len(runs) == 2 and runs["score_roc_auc"].eq(0.5).all()
    assert runs["folds_roc_auc"].fillna("").eq("").all() and runs["cv"].eq(0).all()  # no folds of the trials mixed in
    again = tune(cancer, **kw, resume=True)  # the ingested scores are of unknown folds: not resumed as trials
    assert not any(t.user_attrs.get("resumed") for t in again.study.trials)


@pytest.mark.parametrize("folds", ["[-0.1, oops", "5", '{"a": 1}', '["a"]'])
def test_fold_scores_of_a_record_that_are_no_list_of_scores_are_refused_naming_it(wine, tmp_path, folds):
    kw = dict(n_trials=2, sampler=None, cv=2, record_to=tmp_path / "rec", random_state=0, verbose=False)
    tune(wine, **kw)
    (part,) = (tmp_path / "rec" / "runs").glob("*.csv*")
    frame = pd.read_csv(part, dtype=str, keep_default_na=False)
    columns = [c for c in frame.columns if c.startswith("folds_") and frame.loc[0, c]]
    frame.loc[0, columns] = folds
    frame.to_csv(part, index=False)
    with pytest.raises(KnowledgeBaseError, match=rf"record_to .*rec': the folds_.* of configuration "
                                                 rf"{frame.loc[0, 'config_id']} are not a list of scores"):
        tune(wine, **kw, resume=True)


def test_a_record_left_before_its_first_trial_resumes_as_a_new_search(wine, tmp_path, capsys):
    KnowledgeBase.empty("lightgbm").save(tmp_path / "cut")  # a run killed before its first trial finished
    result = tune(wine, n_trials=2, sampler=None, cv=2, record_to=tmp_path / "cut", resume=True)
    assert len(result.trials) == 2 and "0 recorded trials resumed" in capsys.readouterr().err
    assert len(KnowledgeBase.load(tmp_path / "cut").runs) == 2


def test_a_record_of_another_space_version_is_neither_resumed_nor_extended(wine, tmp_path):
    from metahpo.exceptions import KnowledgeBaseError

    old = KnowledgeBase.empty("linear")
    old.space_version = "linear-1"  # binary fits were solved to another tolerance then: the same parameters
    old.save(tmp_path / "old")
    data = load("sklearn:breast_cancer").subsample(150)
    for resume in (True, False):
        with pytest.raises(KnowledgeBaseError, match="holds runs of the linear family's space linear-1, not linear-3"):
            tune(data, n_trials=1, family="linear", sampler=None, cv=2, record_to=tmp_path / "old", resume=resume,
                 verbose=False)
    with pytest.raises(KnowledgeBaseError, match="holds runs of the linear family: record the lightgbm family's"):
        tune(data, n_trials=1, family="lightgbm", sampler=None, cv=2, record_to=tmp_path / "old", verbose=False)
    (tmp_path / "old" / "manifest.json").unlink()
    with pytest.raises(KnowledgeBaseError, match="but no manifest.json: restore the manifest, or use another folder"):
        tune(data, n_trials=1, family="lightgbm", sampler=None, cv=2, record_to=tmp_path / "old", verbose=False)


def test_a_callback_that_raises_ends_the_search_with_its_trials_kept(wine, tmp_path):
    from metahpo import CallbackError

    def broken(study, trial):
        if len(study.trials) == 2:
            raise ValueError("my bug")

    with pytest.raises(CallbackError, match="the callback .*broken raised ValueError: my bug after trial 1") as caught:
        tune(wine, n_trials=4, sampler=None, cv=2, callbacks=[broken], record_to=tmp_path / "cb", verbose=False)
    assert len(caught.value.study.trials) == 2 and isinstance(caught.value.__cause__, ValueError)
    assert caught.value.studies == {"lightgbm": caught.value.study}
    assert len(KnowledgeBase.load(tmp_path / "cb").runs) == 2  # recorded before the user's callbacks ran


def test_a_resumed_search_builds_the_ensemble_the_whole_search_would_have(tiny_kb, wine, tmp_path, capsys,
                                                                          monkeypatch):
    kw = dict(n_trials=4, sampler="random", warm_start=1, cv=2, knowledge_base=tiny_kb, family="lightgbm",
              random_state=1, ensemble=2)
    whole = tune(wine, record_to=tmp_path / "whole", verbose=False, **kw)
    ranked = sorted((t for t in whole.study.trials if t.ok), key=lambda t: t.score, reverse=True)
    assert any(t.number < 3 for t in ranked[:2])  # the ensemble needs a trial the cut search recorded

    def killed_after_three(study, trial):
        if len(study.trials) == 3:
            raise KeyboardInterrupt

    tune(wine, record_to=tmp_path / "cut", resume=True, callbacks=[killed_after_three], verbose=False, **kw)
    capsys.readouterr()
    for n_trials in (4, 2):  # the rest of the search, then none: all resumed
        resumed = tune(wine, record_to=tmp_path / "cut", resume=True, **{**kw, "n_trials": n_trials})
        err = capsys.readouterr().err
        assert "2 resumed trials among the best 2 evaluated again" in err  # before the search: any can stay best
        assert resumed.ensemble.members == whole.ensemble.members
        assert resumed.ensemble.weights == whole.ensemble.weights
        assert resumed.ensemble.oof_score == pytest.approx(whole.ensemble.oof_score)
        np.testing.assert_allclose(resumed.model.predict_proba(wine.X), whole.model.predict_proba(wine.X), atol=1e-12)
    assert len(KnowledgeBase.load(tmp_path / "cut").runs) == 4  # evaluated again, not recorded again
    # the evaluations again count toward the timeout: here they spend it all, and no trial runs after them
    timed = tune(wine, record_to=tmp_path / "cut", resume=True, verbose=False, **{**kw, "n_trials": None,
                                                                                  "timeout": 1e-3})
    assert len(timed.study.trials) == 4 and timed.ensemble.members == whole.ensemble.members

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(tuning, "evaluate", interrupted)  # Ctrl-C before any prediction is back
    cut = tune(wine, record_to=tmp_path / "cut", resume=True, **kw)
    assert cut.interrupted and cut.ensemble is None and cut.best_params == whole.best_params
    assert "the model is the best trial's alone, not an ensemble" in capsys.readouterr().err


def _evaluate_or_die_on_few_leaves(config, **kwargs):
    if config["num_leaves"] < 8:  # as the system kills a process that runs out of memory
        os._exit(1)
    return evaluate(config, **kwargs)


KILLED_IN_PROCESS = '''
import sys
from metahpo import tuning
from metahpo.datasets import load
from tests.test_tuning import _evaluate_or_die_on_few_leaves

tuning.evaluate = _evaluate_or_die_on_few_leaves
tuning.tune(load("sklearn:wine"), record_to=sys.argv[1], verbose=False, **KW)
'''
KILLING_SEARCH = dict(n_trials=4, sampler="random", warm_start=0, cv=2, family="lightgbm", random_state=1)
"""A search whose second trial has 4 leaves."""


def test_a_configuration_that_killed_the_search_process_is_a_failed_trial_on_the_resume(wine, tmp_path, monkeypatch):
    script = tmp_path / "killed.py"
    script.write_text(KILLED_IN_PROCESS.replace("**KW", f"**{KILLING_SEARCH!r}"))
    run = subprocess.run([sys.executable, str(script), str(tmp_path / "mine")], capture_output=True,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    assert run.returncode == 1, run.stderr.decode()[-2000:]  # at n_jobs=1 the trial killed the search's process

    monkeypatch.setattr(tuning, "evaluate", _evaluate_or_die_on_few_leaves)
    result = tune_any_family(wine, record_to=tmp_path / "mine", resume=True, verbose=False, **KILLING_SEARCH)
    trials = result.study.trials
    assert [t.status for t in trials] == ["ok", "failed", "ok", "ok"] and trials[0].user_attrs["resumed"]
    assert trials[1].config["num_leaves"] < 8 and trials[1].error.startswith("its worker process died, also when")
    runs = KnowledgeBase.load(tmp_path / "mine").runs
    assert len(runs) == 4  # the death recorded, as every trial is, with the time from its dispatch to its death
    assert trials[1].fit_time == 0 and runs.loc[runs["status"] == "failed", "total_time"].item() > 0


@pytest.mark.parametrize("kwargs, message", [
    ({}, "resume continues the search recorded in record_to: give record_to too"),
    ({"record_to": "unused", "metric": "f1_macro"}, "resume reads the scores a knowledge base stores (roc_auc, "),
    ({"record_to": __file__}, "is a file: it names a knowledge-base folder"),
])
def test_resume_needs_the_record_and_a_stored_metric(wine, kwargs, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        tune(wine, n_trials=1, family="lightgbm", resume=True, verbose=False, **kwargs)


def test_custom_metric_and_callbacks(tiny_kb, wine):
    seen = []
    result = tune(wine, n_trials=2, warm_start=1, cv=2, metric="f1_macro", knowledge_base=tiny_kb,
                  callbacks=[lambda study, trial: seen.append(trial.number)])
    assert result.metric == "f1_macro" and 0.5 < result.best_score <= 1.0
    assert seen == [0, 1]


def test_plots(tiny_kb, tiny_linear_kb, wine):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    result = tune_any_family(wine, n_trials=3, warm_start=1, cv=2, knowledge_base=[tiny_kb, tiny_linear_kb])
    ax = result.plot()
    assert ax.get_xlabel() == "trial" and len(ax.lines) == 1
    x, best = ax.lines[0].get_data()  # every family's trials in the order they ran, not numbered anew per family
    assert result.trials["family"].nunique() == 2 and list(x) == list(range(1, 4)) and np.all(np.diff(best) >= 0)
    prior = result.trials.query("status == 'ok' and family == 'lightgbm'")[LIGHTGBM.names + ["score"]].head(1)
    resumed = tune(wine, n_trials=2, family="lightgbm", sampler=None, cv=2, prior=prior, random_state=0)
    ax = resumed.plot()  # numbered as the trials are, the prior result a line of its own
    x, best = ax.lines[0].get_data()
    assert list(x) == [1, 2] and best[0] >= prior["score"].iloc[0] and ax.lines[1].get_label() == "best prior result"
    ax = result.plot_learning_curve()
    labels = [line.get_label() for line in ax.lines]
    assert any(label.startswith("training") for label in labels) and any(l.startswith("validation") for l in labels)


def test_cli_tune_writes_the_result(tiny_kb, tmp_path, capsys):
    tiny_kb.save(tmp_path / "kb")
    out = tmp_path / "result.json"
    code = main(["tune", "sklearn:iris", "--kb", str(tmp_path / "kb"), "--family", "lightgbm", "--n-trials", "3", "--cv", "2",
                 "--out", str(out)])
    assert code == 0
    captured = capsys.readouterr()
    assert "trial 3/3" in captured.err and "best" in captured.err
    result = json.loads(out.read_text())
    assert len(result["trials"]) == 3 and result["task"] == "multiclass"
    LIGHTGBM.config_of(result["best_params"])
    assert result["ensemble"] is None


@pytest.mark.parametrize("flags, message", [
    (["--resume"], "--resume continues the search --record-to holds: give --record-to too"),
    (["--record-to", "kb"], "--prior and --record-to hold one family's configurations: name it, --family lightgbm "
                            "or --family linear"),
])
def test_cli_tune_names_its_flags_in_its_errors(flags, message, capsys):
    assert main(["tune", "sklearn:iris", "--n-trials", "1", "--quiet", *flags]) == 2
    assert capsys.readouterr().err == f"metahpo: error: {message}\n"


def test_cli_tune_takes_prior_results_and_builds_an_ensemble(tiny_kb, tmp_path, capsys):
    tiny_kb.save(tmp_path / "kb")
    prior = pd.DataFrame(LIGHTGBM.sample(2, random_state=1)).assign(score=[-0.5, -0.4])
    prior.to_csv(tmp_path / "prior.csv", index=False)
    out = tmp_path / "result.json"
    code = main(["tune", "sklearn:iris", "--kb", str(tmp_path / "kb"), "--family", "lightgbm", "--n-trials", "3", "--cv", "2",
                 "--prior", str(tmp_path / "prior.csv"), "--ensemble", "3", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr()
    result = json.loads(out.read_text())
    assert json.loads(printed.out) == result["best_params"]  # standard output: the JSON alone
    printed = printed.err
    assert [t["source"] for t in result["trials"]][:2] == ["prior", "prior"] and len(result["trials"]) == 5
    spec = result["ensemble"]
    assert 1 <= len(spec["members"]) <= 3 and sum(spec["weights"]) == pytest.approx(1.0)
    # both scores printed are of the pooled out-of-fold predictions, which the line says
    assert (f"neg_log_loss of the out-of-fold predictions, all folds pooled, {spec['oof_score']:.5f} against "
            f"{spec['single_best_oof_score']:.5f} for the best trial alone") in printed


def test_cli_tune_names_a_missing_prior_file(tmp_path, capsys):
    code = main(["tune", "sklearn:iris", "--n-trials", "1", "--family", "lightgbm",
                 "--prior", str(tmp_path / "nowhere.csv")])
    assert code == 2 and "nowhere.csv" in capsys.readouterr().err


def test_optuna_warm_start_enqueues_recommendations(tiny_kb, wine):
    optuna = pytest.importorskip("optuna")
    from metahpo.integrations.optuna import warm_start

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize")
    rec = warm_start(study, wine, n=2, knowledge_base=tiny_kb)
    seen = []

    def objective(trial):
        lr = trial.suggest_float("learning_rate", 0.001, 1.0, log=True)
        leaves = trial.suggest_int("num_leaves", 2, 512)
        seen.append((lr, leaves))
        return lr

    study.optimize(objective, n_trials=3)
    assert seen[:2] == [(c.params["learning_rate"], c.params["num_leaves"]) for c in rec.configs]
    assert study.trials[0].user_attrs["metahpo_config_id"] == rec.configs[0].config_id
    fixed = study.trials[0].user_attrs["metahpo_fixed"]
    assert fixed["subsample_freq"] == 1 and {**fixed, **rec.configs[0].params} == rec.configs[0].params
    assert study.user_attrs["metahpo_fixed"] == fixed == {"subsample_freq": 1, "verbosity": -1, "random_state": 0}
    with pytest.raises(ConfigError, match=r"^n must be a whole number of configurations to enqueue, .* got 1.5$"):
        warm_start(study, wine, n=1.5, knowledge_base=tiny_kb)
    assert "found on this data" in rec.explain()  # the rounds enqueued are the hold-out's, with no check against
    assert "Checked against LightGBM's defaults" not in rec.explain()  # the defaults, which the space cannot hold ...
    other = optuna.create_study(direction="maximize")  # ... and without them, no model is trained
    assert "found on this data" not in warm_start(other, wine, n=2, knowledge_base=tiny_kb,
                                                  include_n_estimators=False).explain()
    # the pool holds LightGBM's defaults (reg_alpha=0), which an objective on metahpo's log scale refuses: left out
    logged = optuna.create_study(direction="maximize")
    enqueued = warm_start(logged, wine, n=6, knowledge_base=tiny_kb, include_n_estimators=False).configs
    assert enqueued and all(c.params["reg_alpha"] >= 1e-4 for c in enqueued)
    logged.optimize(lambda t: t.suggest_float("reg_alpha", 1e-4, 10, log=True), n_trials=len(enqueued))
    assert all(t.state.name == "COMPLETE" for t in logged.trials)


def test_public_api_and_parallel_trials(tiny_kb):
    import metahpo

    assert metahpo.tune is tune_any_family and callable(metahpo.recommend)
    ds = load("sklearn:breast_cancer").subsample(150)
    result = metahpo.tune(ds, n_trials=4, warm_start=2, cv=2, n_jobs=2, knowledge_base=tiny_kb)  # every family
    assert len(result.trials) == 4 and result.trials["status"].eq("ok").all()
    assert set(result.trials["family"]) == {"lightgbm", "linear"}
    assert isinstance(result, metahpo.TuneResult)


def test_cli_tune_takes_a_family_and_the_gradient_sampler(tiny_kb, tiny_linear_kb, tmp_path, capsys):
    tiny_kb.save(tmp_path / "kb")
    tiny_linear_kb.save(tmp_path / "linear")
    out = tmp_path / "result.json"
    assert main(["tune", "sklearn:breast_cancer", "--kb", str(tmp_path / "kb"), "--family", "linear",
                 "--n-trials", "1"]) == 2  # a knowledge base of a family not searched is not silently set aside
    assert ("the knowledge base holds lightgbm runs, not linear ones: give the linear family's, or tune the lightgbm "
            "family") in capsys.readouterr().err
    code = main(["tune", "sklearn:breast_cancer", "--kb", str(tmp_path / "linear"), "--family", "linear",
                 "--sampler", "gradient", "--warm-start", "2", "--n-trials", "6", "--cv", "2", "--out", str(out)])
    assert code == 0
    assert "of the linear family" in capsys.readouterr().err
    result = json.loads(out.read_text())
    assert result["family"] == "linear"
    sources = [t["source"] for t in result["trials"]]  # the gradient may converge before the budget
    assert sources[:2] == ["recommended"] * 2 and set(sources[2:]) == {"gradient"} and len(sources) <= 6
    assert main(["tune", "sklearn:iris", "--family", "forest", "--n-trials", "1"]) == 2
    assert "unknown model family 'forest'; known: lightgbm, linear, or 'auto'" in capsys.readouterr().err
    assert main(["tune", "sklearn:iris", "--kb", str(tmp_path / "kb"), "--family", "auto", "--n-trials", "2",
                 "--cv", "2", "--quiet"]) == 0
    assert "after 2 trials" in capsys.readouterr().err  # one of each family


def test_a_timeout_is_shared_between_the_families_as_the_trials_are(tiny_kb, tiny_linear_kb, wine, monkeypatch):
    from metahpo import tuning

    given, real = {}, tuning._Search.run

    def spy(self, model_family, n_trials, timeout, deadline, *args):
        given[model_family.name] = (n_trials, timeout, deadline, self.began)
        return real(self, model_family, n_trials, timeout, deadline, *args)

    monkeypatch.setattr(tuning._Search, "run", spy)
    result = tune_any_family(wine, n_trials=4, timeout=600, warm_start=1, cv=2,
                             knowledge_base=[tiny_kb, tiny_linear_kb], verbose=False)
    (n_first, share, none, unset), (n_last, whole, deadline, began) = given["lightgbm"], given["linear"]
    assert n_first + n_last == 4 and 0 < share < 600 and whole == 600 and none is None is unset
    assert deadline == began + 600  # the last family has what is left of the whole, from the first trial on
    first = min(result.trials["started"])
    assert result.studies["lightgbm"].trials[0].started == first


def test_no_trial_starts_after_the_timeout_whatever_the_families_setup_costs(tiny_kb, tiny_linear_kb, wine,
                                                                            monkeypatch):
    from metahpo import tuning

    run = tuning._Search.run

    def slow_setup(self, model_family, *args):
        time.sleep(2.0)  # each family's setup (recommendations, a surrogate) before its first trial
        return run(self, model_family, *args)

    monkeypatch.setattr(tuning._Search, "run", slow_setup)
    result = tune_any_family(wine, n_trials=None, timeout=1.5, warm_start=1, cv=2,
                             knowledge_base=[tiny_kb, tiny_linear_kb], verbose=False)
    started = result.trials["started"]
    # the 1.5 s, and at most a sampler's ask after the last check: not the second family's 2 s setup on top
    assert (started.max() - started.min()).total_seconds() < 2.0
    assert len(result.studies["lightgbm"].trials) >= 1  # the first family's setup does not count


def test_a_callbacks_stop_ends_the_whole_search_and_the_winners_recommendation_is_kept(tiny_kb, tiny_linear_kb,
                                                                                      wine):
    stopped = tune_any_family(wine, n_trials=6, warm_start=1, cv=2, knowledge_base=[tiny_kb, tiny_linear_kb],
                              callbacks=[lambda study, trial: study.stop()], verbose=False)
    assert [len(s.trials) for s in stopped.studies.values()] == [1, 0]
    result = tune_any_family(wine, n_trials=4, warm_start=2, cv=2, knowledge_base=[tiny_kb, tiny_linear_kb],
                             verbose=False)
    assert result.recommendation.family == result.family
    assert result.trials.dtypes[["num_leaves", "min_child_samples"]].eq("Int64").all()  # not floats beside linear
    one = tune_any_family(wine, n_trials=1, warm_start=1, cv=2, knowledge_base=[tiny_kb, tiny_linear_kb],
                          verbose=False)  # a family left no trial: its columns are there all the same
    assert {"alpha", "l1_ratio", "num_leaves"} <= set(one.trials.columns)
    assert sorted(len(study.trials) for study in one.studies.values()) == [0, 1]
    both = tune_any_family(wine, n_trials=1, family=get_family("lightgbm"), warm_start=1, cv=2,
                           knowledge_base=[tiny_kb, tiny_linear_kb], verbose=False)  # the other one is not read
    assert both.family == "lightgbm" and both.recommendation.family == "lightgbm"
