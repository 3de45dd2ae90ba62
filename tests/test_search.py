"""Tests of :mod:`metahpo.search`: the study loop and the samplers, on cheap synthetic objectives."""

from __future__ import annotations

import itertools
import logging
import math
import os
import time
from dataclasses import replace

import joblib
import numpy as np
import pandas as pd
import pytest

from metahpo.evaluation import Evaluation
from metahpo.exceptions import ConfigError, SamplerError
from metahpo.parallel import _in_order
from metahpo.search import (
    SAMPLERS,
    BaseSampler,
    BayesSampler,
    EvolutionSampler,
    GradientSampler,
    GridSampler,
    LocalRandomSampler,
    Proposal,
    RandomSampler,
    Study,
    Trial,
    TrustRegion,
    WarmStartSampler,
    check_sampler,
    make_sampler,
)
from metahpo.search.study import MAX_ASKS
from metahpo.spaces import LIGHTGBM, Param, SearchSpace, config_id

TARGET = np.linspace(0.2, 0.8, LIGHTGBM.dim)
"""The optimum of the synthetic objective, in the unit cube."""

TOY = SearchSpace(family="toy", version="toy-1", params=(Param("a", 1, 3, integer=True),), fixed={}, default={})
"""A space of three configurations."""


def quadratic(U: np.ndarray) -> np.ndarray:
    """Negative squared distance to TARGET of each row of ``U`` (maximum 0)."""
    return -((np.atleast_2d(U) - TARGET) ** 2).sum(axis=1)


def evaluation(config: dict, value: float, status: str = "ok") -> Evaluation:
    return Evaluation(config=config, metric="m", scores={"m": value, "other": 2 * value}, status=status,
                      fit_time=0.01, best_iteration=7)


def objective(config: dict) -> Evaluation:
    return evaluation(config, float(quadratic(LIGHTGBM.encode(config))[0]))


def run(sampler: BaseSampler, n_trials: int, fn=objective) -> Study:
    study = Study()
    study.optimize(fn, sampler, n_trials=n_trials)
    return study


def recommendations(k: int, seed: int = 42) -> list[dict]:
    return LIGHTGBM.sample(k, random_state=seed)


SAMPLER_FACTORIES = {
    "random": lambda seed: RandomSampler(random_state=seed),
    "local": lambda seed: LocalRandomSampler(random_state=seed),
    "bayes": lambda seed: BayesSampler(random_state=seed),
    "grid": lambda seed: GridSampler(random_state=seed),
    "evolution": lambda seed: EvolutionSampler(random_state=seed),
    "warm": lambda seed: WarmStartSampler(recommendations(3), then=BayesSampler(random_state=seed)),
}


# --------------------------------------------------------------------------- every sampler


@pytest.mark.parametrize("name", SAMPLER_FACTORIES)
def test_sampler_proposes_valid_configs_deterministically(name):
    def trace(seed):
        study = run(SAMPLER_FACTORIES[name](seed), 12)
        return [(t.config, t.source) for t in study.trials]

    first, again, other = trace(0), trace(0), trace(1)
    assert len(first) == 12
    for config, source in first:
        LIGHTGBM.validate(config)
        assert source in {"recommended", "random", "local", "bayes", "grid", "evolution"}
    assert first == again
    assert first[3:] != other[3:]  # (the warm start's three recommendations do not depend on the seed)
    assert len({config_id(c) for c, _ in first}) == 12


@pytest.mark.parametrize("name", SAMPLER_FACTORIES)
def test_sampler_batch_is_distinct_and_new(name):
    sampler = SAMPLER_FACTORIES[name](0)
    study = run(sampler, 9)
    batch = sampler.ask(study, LIGHTGBM, 5)
    assert len(batch) == 5 and all(isinstance(p, Proposal) for p in batch)
    ids = {config_id(p.config) for p in batch}
    assert len(ids) == 5
    assert not any(study.has(p.config) for p in batch)


def test_reseed_restarts_the_sampler():
    sampler = EvolutionSampler(random_state=3)
    first = [t.config for t in run(sampler, 20).trials]
    sampler.reseed(3)
    assert [t.config for t in run(sampler, 20).trials] == first
    sampler.reseed(4)
    assert [t.config for t in run(sampler, 20).trials] != first


# --------------------------------------------------------------------------- the study


def test_study_never_evaluates_a_duplicate(caplog):
    calls = []

    def counting(config):
        calls.append(config["a"])
        return evaluation(config, float(config["a"]))

    study = Study(TOY)
    with caplog.at_level(logging.WARNING, logger="metahpo.search.study"):
        study.optimize(counting, RandomSampler(random_state=0), n_trials=10)
    assert sorted(calls) == [1, 2, 3]  # the space holds three configurations
    assert len(study.trials) == 3 and study.best_config == {"a": 3}
    assert "space may be exhausted" in caplog.text


def test_study_skips_duplicates_a_sampler_repeats():
    class Stubborn(BaseSampler):
        def ask(self, study, space, n=1):
            return [Proposal({"a": 2}, "random")] * n + [Proposal({"a": 1}, "random")]

    study = Study(TOY)
    study.optimize(lambda c: evaluation(c, 1.0), Stubborn(), n_trials=2, n_jobs=1)
    assert [t.config for t in study.trials] == [{"a": 2}, {"a": 1}]


def test_prior_results_count_and_are_not_rerun():
    priors = recommendations(4)
    scores = [float(quadratic(LIGHTGBM.encode(c))[0]) for c in priors]
    scores[2] = math.nan
    evaluated = []

    def tracking(config):
        evaluated.append(config_id(config))
        return objective(config)

    study = Study()
    added = study.add_prior(priors, scores)
    assert [t.source for t in added] == ["prior"] * 4 and [t.number for t in added] == [0, 1, 2, 3]
    assert added[2].status == "failed" and math.isnan(added[2].score)
    assert study.add_prior(priors[:1], [0.0]) == []  # already there: not recorded twice
    assert study.has(priors[0]) and study.get(priors[1]) is added[1]

    sampler = WarmStartSampler(priors + recommendations(2, seed=7), then=RandomSampler(random_state=0))
    study.optimize(tracking, sampler, n_trials=5)
    assert len(study.trials) == 9
    assert not {config_id(c) for c in priors} & set(evaluated)
    assert [t.source for t in study.trials[4:]] == ["recommended"] * 2 + ["random"] * 3
    best_prior = max(s for s in scores if not math.isnan(s))
    assert study.best_score >= best_prior


def test_trials_of_an_earlier_search_are_added_renumbered_as_they_were():
    earlier = run(RandomSampler(random_state=0), 3)
    study = Study()
    study.add_prior(recommendations(1), [0.5])
    added = study.add_trials(earlier.trials)
    assert [t.number for t in added] == [1, 2, 3] and [t.number for t in earlier.trials] == [0, 1, 2]
    kept = ("config", "source", "score", "status", "best_iteration", "fit_time")
    assert [[getattr(t, k) for k in kept] for t in added] == [[getattr(t, k) for k in kept] for t in earlier.trials]
    assert study.add_trials(earlier.trials[:1]) == [] and study.best_score == max(0.5, earlier.best_score)
    with pytest.raises(ConfigError, match="num_leaves"):
        study.add_trials([replace(earlier.trials[0], config=dict(recommendations(1)[0], num_leaves=1))])


def test_a_seeded_sampler_replays_more_added_trials_than_its_asks_and_goes_on_as_the_whole_search():
    whole = run(RandomSampler(random_state=0), 3 * MAX_ASKS)
    resumed = Study()
    resumed.add_trials(whole.trials[:-2])
    resumed.optimize(objective, RandomSampler(random_state=0), n_trials=2)
    assert [t.config for t in resumed.trials] == [t.config for t in whole.trials]


def test_add_prior_rejects_bad_input():
    study = Study()
    with pytest.raises(ConfigError, match="2 configurations but 1 scores"):
        study.add_prior(recommendations(2), [0.5])
    with pytest.raises(ConfigError, match="num_leaves"):
        study.add_prior([dict(recommendations(1)[0], num_leaves=1)], [0.5])
    assert study.trials == []


def test_objective_exceptions_are_failed_trials_and_the_run_goes_on():
    def flaky(config):
        u = LIGHTGBM.encode(config)
        if u[0] < 0.3:
            raise RuntimeError("boom")
        if u[0] < 0.45:
            return 0.5  # not an Evaluation
        if u[0] < 0.55:
            return evaluation(config, math.nan, status="timeout")
        if u[0] < 0.65:
            return evaluation(config, math.nan)  # ok status but no score
        if u[0] < 0.75:
            return Evaluation(config=config, metric="m", scores={"m": None})  # ok status, a score not a number
        return objective(config)

    study = run(RandomSampler(random_state=0), 40, fn=flaky)
    assert len(study.trials) == 40
    statuses = {t.status for t in study.trials}
    assert statuses == {"ok", "failed", "timeout"}
    errors = [t.error for t in study.trials]
    assert any(e == "RuntimeError: boom" for e in errors)
    assert any("must return an Evaluation, got float" in e for e in errors)
    assert any("no finite score" in e for e in errors)
    assert any("must score 'm' with a number, got None" in e for e in errors)
    for t in study.trials:
        assert t.ok == math.isfinite(t.score)
        assert t.started is not None and t.finished >= t.started
    assert study.best_trial.ok and LIGHTGBM.encode(study.best_config)[0] >= 0.75


def test_trial_fields_come_from_the_evaluation():
    study = run(RandomSampler(random_state=0), 2)
    trial = study.trials[1]
    assert isinstance(trial, Trial) and trial.number == 1 and trial.source == "random"
    assert trial.fit_time == 0.01 and trial.best_iteration == 7 and trial.error == ""
    assert trial.scores == {"m": trial.score, "other": 2 * trial.score}
    assert trial.user_attrs == {}


OFFSETS = (0.1, 0.0, -0.1)
"""How much easier each of three folds is: the same for every configuration."""


def fold_objective(config: dict, prune_below: list[float] | None = None) -> Evaluation:
    """A three-fold objective that stops, as evaluate() does, once its mean is below a bar."""
    base, done, status = float(quadratic(LIGHTGBM.encode(config))[0]), [], "ok"
    for k, offset in enumerate(OFFSETS):
        done.append(base + offset)
        if prune_below is not None and k < len(OFFSETS) - 1 and np.mean(done) < prune_below[k]:
            status = "pruned"
            break
    return Evaluation(config=config, metric="m", scores={"m": float(np.mean(done))}, fold_scores={"m": done},
                      status=status)


def test_pruned_trials_are_estimated_on_the_best_trials_folds_and_never_best():
    full = run(RandomSampler(random_state=0), 12, fold_objective)
    study = Study()
    study.optimize(fold_objective, RandomSampler(random_state=0), n_trials=12, prune=True)
    pruned = [t for t in study.trials if t.status == "pruned"]
    assert pruned and all(not t.ok and t.scored and len(t.fold_scores) < 3 for t in pruned)
    # the folds differ alike for every configuration, so the paired estimate is the full mean
    for t, f in zip(study.trials, full.trials):
        assert t.config == f.config and t.score == pytest.approx(f.score)
    assert study.best_trial.number == full.best_trial.number and study.best_trial.ok
    assert all(t.score < study.best_score for t in pruned)
    # the samplers learn from pruned trials too
    from metahpo.search.base import observations

    assert len(observations(study, LIGHTGBM)[1]) == 12


def test_a_trial_within_a_standard_error_of_the_best_after_a_fold_is_not_pruned():
    configs = [dict(LIGHTGBM.default, learning_rate=rate) for rate in (0.1, 0.05, 0.02)]
    base = {0.1: 0.0, 0.05: -0.05, 0.02: -0.2}  # the best's folds spread 0.1: a standard error of 0.1 after one

    def fold_objective_at(config: dict, prune_below: list[float] | None = None) -> Evaluation:
        done = [base[config["learning_rate"]] + OFFSETS[0]]
        status = "pruned" if prune_below is not None and done[0] < prune_below[0] else "ok"
        done += [] if status == "pruned" else [base[config["learning_rate"]] + o for o in OFFSETS[1:]]
        return Evaluation(config=config, metric="m", scores={"m": float(np.mean(done))}, fold_scores={"m": done},
                          status=status)

    study = Study()
    study.optimize(fold_objective_at, WarmStartSampler(configs, RandomSampler(random_state=0)), n_trials=3, prune=1)
    assert [t.status for t in study.trials] == ["ok", "ok", "pruned"]


def test_the_pruning_bar_leaves_out_an_unscored_fold_as_a_trials_score_does():
    from metahpo.search.study import _Bar

    bar = _Bar.of([0.95, float("nan"), 0.93, 0.94, 0.96])  # ROC AUC of a fold without the rare class: NaN
    assert bar.means == pytest.approx([0.95, 0.95, 0.94, 0.94, 0.945])
    assert np.isfinite(bar.below).all() and bar.below[0] < 0.95
    late = _Bar.of([float("nan"), 0.9, 0.8])
    assert np.isnan(late.means[0]) and late.means[1:] == pytest.approx([0.9, 0.85])  # nothing pruned before a score


def test_pruning_against_the_kth_best_keeps_k_trials_complete():
    study = Study()
    study.optimize(fold_objective, RandomSampler(random_state=1), n_trials=15, prune=3)
    complete = sorted((t.score for t in study.trials if t.ok), reverse=True)
    pruned = [t.score for t in study.trials if t.status == "pruned"]
    assert len(complete) >= 3 and pruned and max(pruned) < complete[2]


def test_without_pruning_the_objective_is_called_with_the_config_alone():
    study = run(RandomSampler(random_state=0), 3)  # objective() takes no prune_below
    assert [t.status for t in study.trials] == ["ok"] * 3 and all(t.fold_scores == [] for t in study.trials)


def test_empty_study():
    study = Study()
    assert study.best_trial is None and study.best_config is None and math.isnan(study.best_score)
    frame = study.trials_dataframe()
    assert len(frame) == 0 and "learning_rate" in frame.columns


def test_budgets():
    assert len(run(RandomSampler(random_state=0), 7).trials) == 7
    assert run(RandomSampler(random_state=0), 0).trials == []

    def slow(config):
        time.sleep(0.05)
        return objective(config)

    study = Study()
    start = pd.Timestamp.now(tz="UTC")
    study.optimize(slow, RandomSampler(random_state=0), timeout=0.3)
    started = [pd.Timestamp(t.started) for t in study.trials]
    assert started and max(started) - start < pd.Timedelta(seconds=0.5)  # no trial begins long after the timeout
    study = Study()
    study.optimize(slow, RandomSampler(random_state=0), n_trials=2, timeout=30)
    assert len(study.trials) == 2


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({}, "give a budget"),
        ({"n_trials": -1}, "n_trials"),
        ({"n_trials": 2.5}, "n_trials"),
        ({"timeout": 0}, "timeout"),
        ({"n_trials": 3, "n_jobs": 0}, "n_jobs"),
        ({"n_trials": 3, "n_jobs": -3}, "^n_jobs must be a positive integer or -1, got -3$"),
    ],
)
def test_optimize_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        Study().optimize(objective, RandomSampler(), **kwargs)


def test_optimize_rejects_a_non_sampler():
    with pytest.raises(ConfigError, match="BaseSampler"):
        Study().optimize(objective, "bayes", n_trials=1)


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_parallel_batches(backend):
    def sometimes_crashes(config):
        if LIGHTGBM.encode(config)[1] < 0.5:
            raise ValueError("bad luck")
        return objective(config)

    with joblib.parallel_config(backend=backend):
        study = Study()
        study.optimize(sometimes_crashes, RandomSampler(random_state=0), n_trials=6, n_jobs=2)
    assert [t.number for t in study.trials] == list(range(6))
    assert len({config_id(t.config) for t in study.trials}) == 6
    assert any(t.status == "failed" and t.error == "ValueError: bad luck" for t in study.trials)
    # a random sampler draws the same stream whatever the batch size
    serial = run(RandomSampler(random_state=0), 6, fn=sometimes_crashes)
    assert [t.config for t in study.trials] == [t.config for t in serial.trials]


def _kills_its_worker_on_small_leaves(config):
    if config["num_leaves"] < 20:  # as the system kills a worker that runs out of memory
        os._exit(1)
    return objective(config)


def test_a_configuration_that_kills_its_worker_is_a_failed_trial_and_the_search_goes_on():
    study = Study()
    study.optimize(_kills_its_worker_on_small_leaves, RandomSampler(random_state=0), n_trials=8, n_jobs=2)
    killers = [t for t in study.trials if t.config["num_leaves"] < 20]
    assert [t.number for t in study.trials] == list(range(8)) and 0 < len(killers) < 3
    assert all(t.status == "failed" and t.error.startswith("its worker process died, also when run alone")
               and math.isnan(t.score) for t in killers)
    assert all(t.started < t.finished for t in killers)  # from its batch's dispatch to its death
    assert all(t.ok for t in study.trials if t not in killers)
    serial = run(RandomSampler(random_state=0), 8)  # the same configurations as without the deaths
    assert [t.config for t in study.trials] == [t.config for t in serial.trials]


def test_bayes_in_parallel_batches():
    with joblib.parallel_config(backend="threading"):
        study = Study()
        study.optimize(objective, BayesSampler(random_state=0), n_trials=10, n_jobs=3)
    assert len(study.trials) == 10 and {t.source for t in study.trials[5:]} == {"bayes"}


def test_keyboard_interrupt_keeps_the_trials(caplog):
    calls = itertools.count()

    def interrupted(config):
        if next(calls) == 3:
            raise KeyboardInterrupt
        return objective(config)

    study = Study()
    with caplog.at_level(logging.INFO, logger="metahpo.search.study"):
        study.optimize(interrupted, RandomSampler(random_state=0), n_trials=10)
    assert len(study.trials) == 3 and "interrupted" in caplog.text


def test_keyboard_interrupt_in_parallel_keeps_the_trials_finished_after_one_still_running(monkeypatch):
    """Jobs 1 and 2 of a batch of 3 finished while job 0 still ran: Ctrl-C keeps them, in order."""

    def interrupted_run_jobs(jobs, n_jobs, unordered=False, **kwargs):
        def finished():
            for i in (2, 1):
                function, args, kw = jobs[i]
                yield i, function(*args, **kw)
            raise KeyboardInterrupt

        return finished() if unordered else _in_order(finished())

    monkeypatch.setattr("metahpo.search.study.run_jobs", interrupted_run_jobs)
    seen, study = [], Study()
    study.optimize(objective, RandomSampler(random_state=0), n_trials=3, n_jobs=3,
                   callbacks=[lambda s, t: seen.append(t.number)])
    assert study.interrupted and [t.number for t in study.trials] == seen == [0, 1]
    batch = Study()._ask(RandomSampler(random_state=0), 3)
    assert [t.config for t in study.trials] == [batch[1].config, batch[2].config]


class _Failing(BaseSampler):
    """Proposes random configurations, then ``returns`` on the ``after``-th ask."""

    def __init__(self, returns, after=2):
        super().__init__(0)
        self.returns, self.after, self.asked = returns, after, 0

    def ask(self, study, space, n=1):
        self.asked += 1
        if self.asked <= self.after:
            return [Proposal(c, "random") for c in space.sample(n, self._rng)]
        if isinstance(self.returns, Exception):
            raise self.returns
        return self.returns


@pytest.mark.parametrize("returns, match", [
    (ZeroDivisionError("boom"), "_Failing.ask raised ZeroDivisionError: boom"),
    (None, "must return a list of Proposal, got NoneType"),
    ([{"learning_rate": 0.1}], "must return Proposal"),
    ([Proposal({"learning_rate": 0.1}, "mine")], "proposed a configuration outside the space: configuration lacks"),
])
def test_a_failing_sampler_ends_the_search_with_the_study_kept(returns, match):
    study = Study()
    with pytest.raises(SamplerError, match=match) as caught:
        study.optimize(objective, _Failing(returns), n_trials=10)
    assert caught.value.study is study and len(study.trials) == 2 and "2 trials recorded before" in str(caught.value)


def test_a_sampler_may_return_plain_pairs():
    class Pairs(BaseSampler):
        def ask(self, study, space, n=1):
            return [(c, "mine") for c in space.sample(n, self._rng)]

    study = run(Pairs(random_state=0), 3)
    assert [t.source for t in study.trials] == ["mine"] * 3

    class Own(BaseSampler):  # its own __init__, without BaseSampler's: it proposes one configuration only
        def __init__(self):
            self.config = LIGHTGBM.default

        def ask(self, study, space, n=1):
            return [Proposal({k: v for k, v in self.config.items() if k in space.names}, "mine")]

    study = run(Own(), 3)
    assert [t.source for t in study.trials] == ["mine", "random", "random"]  # then uniform draws


def test_a_sampler_that_proposes_nothing_is_warned_of_once(caplog):
    class Done(BaseSampler):
        def ask(self, study, space, n=1):
            return []

    with caplog.at_level(logging.WARNING, logger="metahpo.search.study"):
        study = run(WarmStartSampler(recommendations(1), Done(random_state=0)), 4)
    assert [t.source for t in study.trials] == ["recommended"] + ["random"] * 3
    warned = [r.getMessage() for r in caplog.records if "proposed no configuration" in r.getMessage()]
    assert len(warned) == 1 and warned[0].startswith("Done proposed") and "`converged`" in warned[0]


def test_a_failing_sampler_behind_a_warm_start_is_named():
    study = Study()
    with pytest.raises(SamplerError, match=r"^_Failing.ask raised ZeroDivisionError"):
        study.optimize(objective, WarmStartSampler(recommendations(1), _Failing(ZeroDivisionError("boom"), 0)),
                       n_trials=3)
    assert len(study.trials) == 1


def test_callbacks_see_every_trial_and_can_stop():
    seen = []

    def callback(study, trial):
        seen.append(trial.number)
        trial.user_attrs["seen"] = True
        if trial.number == 4:
            study.stop()

    study = Study()
    study.add_prior(recommendations(2), [0.1, 0.2])
    study.optimize(objective, RandomSampler(random_state=0), n_trials=10, callbacks=[callback])
    assert seen == [2, 3, 4] and len(study.trials) == 5
    assert all(t.user_attrs == {"seen": True} for t in study.trials[2:])
    study.optimize(objective, RandomSampler(random_state=1), n_trials=1)  # stop() lasts one call
    assert len(study.trials) == 6


@pytest.mark.parametrize("callbacks, match", [
    (print, r"must be a list of callables, got <built-in function print>; give \[print\]"),
    ([print, "log"], "must be callables, callback\\(study, trial\\); got 'log'"),
])
def test_callbacks_not_a_list_of_callables_are_refused_before_any_trial(callbacks, match):
    study = Study()
    with pytest.raises(ConfigError, match=match):
        study.optimize(objective, RandomSampler(random_state=0), n_trials=2, callbacks=callbacks)
    assert study.trials == []


def test_a_callback_that_raises_ends_the_search_with_the_study_in_its_error():
    from metahpo import CallbackError

    def broken(study, trial):
        if trial.number == 1:
            raise KeyError("mine")

    study = Study()
    with pytest.raises(CallbackError, match=r"broken raised KeyError: 'mine' after trial 1; the study keeps the "
                                            r"2 trials recorded \(CallbackError.study\)") as caught:
        study.optimize(objective, RandomSampler(random_state=0), n_trials=5, callbacks=[broken])
    assert caught.value.study is study and len(study.trials) == 2 and isinstance(caught.value.__cause__, KeyError)


def test_a_callback_that_raises_in_a_parallel_batch_keeps_the_batch_and_is_not_called_again():
    from metahpo import CallbackError

    calls, recorded = [], []

    def broken(study, trial):
        calls.append(trial.number)
        raise KeyError("mine")

    study = Study()
    with pytest.raises(CallbackError, match=r"the study keeps the 2 trials recorded"):
        study.optimize(objective, RandomSampler(random_state=0), n_trials=4, n_jobs=2,
                       callbacks=[broken, lambda study, trial: recorded.append(trial.number)])
    assert len(study.trials) == 2 and len(calls) == 1  # both trials of the batch, the broken callback once
    assert sorted(recorded) == [0, 1]  # the others see every trial (tune's recorder among them)


def test_trials_dataframe():
    study = Study()
    study.add_prior([dict(LIGHTGBM.default)], [0.3])  # has n_estimators and values outside the search range
    study.optimize(objective, RandomSampler(random_state=0), n_trials=3)
    frame = study.trials_dataframe()
    expected = ["number", "source", "score", "status", "fit_time", "best_iteration", "error"]
    assert list(frame.columns[:7]) == expected
    assert set(LIGHTGBM.names) | {"n_estimators", "started", "finished"} <= set(frame.columns)
    assert len(frame) == 4 and list(frame["number"]) == [0, 1, 2, 3]
    assert list(frame["source"]) == ["prior", "random", "random", "random"]
    assert frame.loc[0, "n_estimators"] == 100 and pd.isna(frame.loc[1, "n_estimators"])
    assert frame.loc[2, "learning_rate"] == study.trials[2].config["learning_rate"]
    assert frame["score"].idxmax() == study.best_trial.number


# --------------------------------------------------------------------------- warm start


def test_warm_start_proposes_the_given_configs_first_in_order():
    given = recommendations(4)
    configs = [given[0], given[1], dict(given[0]), given[2], given[3]]  # a repeat, skipped
    study = Study()
    study.add_prior([given[2]], [-1.0])  # already known, skipped
    study.optimize(objective, WarmStartSampler(configs, then=LocalRandomSampler(random_state=0)), n_trials=6)
    assert [t.config for t in study.trials[1:4]] == [given[0], given[1], given[3]]
    assert [t.source for t in study.trials[1:]] == ["recommended"] * 3 + ["local"] * 3


def test_warm_start_mixes_within_a_batch():
    sampler = WarmStartSampler(recommendations(3), then=RandomSampler(random_state=0))
    batch = sampler.ask(Study(), LIGHTGBM, 5)
    assert [p.source for p in batch] == ["recommended"] * 3 + ["random"] * 2
    with pytest.raises(ConfigError, match="BaseSampler"):
        WarmStartSampler(recommendations(1), then=None)


def test_warm_start_reseeds_its_successor():
    sampler = WarmStartSampler(recommendations(2), then=RandomSampler(random_state=5))
    assert sampler.random_state == 5
    first = [t.config for t in run(sampler, 5).trials]
    sampler.reseed(5)
    assert [t.config for t in run(sampler, 5).trials] == first
    again = run(sampler, 5).trials  # a new study without a reseed: the random stream goes on, as documented
    assert [t.config for t in again[:2]] == first[:2] and [t.config for t in again[2:]] != first[2:]


# --------------------------------------------------------------------------- random and local


def test_local_random_stays_near_the_best():
    study = Study()
    study.add_prior(recommendations(5), [0.0, 1.0, 0.0, 0.0, 0.0])
    best = LIGHTGBM.encode(study.best_config)
    sampler = LocalRandomSampler(scale=0.05, n_best=1, random_state=0)
    points = np.array([LIGHTGBM.encode(p.config) for p in sampler.ask(study, LIGHTGBM, 20)])
    assert {p.source for p in sampler.ask(study, LIGHTGBM, 3)} == {"local"}
    assert np.abs(points - best).max() < 0.3
    assert np.abs(points - best).mean() < 0.06


def test_local_random_uses_centers_then_falls_back_to_uniform():
    center = recommendations(1)[0]
    proposals = LocalRandomSampler(scale=0.01, centers=[center], random_state=0).ask(Study(), LIGHTGBM, 4)
    assert {p.source for p in proposals} == {"local"}
    points = np.array([LIGHTGBM.encode(p.config) for p in proposals])
    assert np.abs(points - LIGHTGBM.encode(center)).max() < 0.1
    assert {p.source for p in LocalRandomSampler(random_state=0).ask(Study(), LIGHTGBM, 4)} == {"random"}
    with pytest.raises(ConfigError, match="scale"):
        LocalRandomSampler(scale=0)


# --------------------------------------------------------------------------- Bayesian optimization


def test_bayes_beats_random_on_a_smooth_objective():
    seeds = range(5)
    bayes = [run(BayesSampler(random_state=s), 30).best_score for s in seeds]
    rand = [run(RandomSampler(random_state=s), 30).best_score for s in seeds]
    assert np.mean(bayes) > np.mean(rand)
    assert np.mean(bayes) > -0.2 > np.mean(rand)


def test_a_good_prior_mean_helps_early_and_a_bad_one_is_ignored():
    seeds = range(4)

    def best(prior, seed):
        return run(BayesSampler(prior_mean=prior, random_state=seed), 10)

    plain = [best(None, s) for s in seeds]
    good = [best(lambda U: 3 * quadratic(U) + 1, s) for s in seeds]  # right shape, wrong scale
    assert np.mean([s.best_score for s in good]) > np.mean([s.best_score for s in plain]) + 0.1
    # an anti-correlated prior gets scale 0: the search is exactly the plain one
    bad = best(lambda U: -quadratic(U), 0)
    assert [t.config for t in bad.trials] == [t.config for t in plain[0].trials]


def test_bayes_rejects_a_malformed_prior_mean():
    study = run(RandomSampler(random_state=0), 4)
    with pytest.raises(ConfigError, match="one finite score per point"):
        BayesSampler(prior_mean=lambda U: np.ones(3)).ask(study, LIGHTGBM)
    with pytest.raises(ConfigError, match="n_startup"):
        BayesSampler(n_startup=0)


def test_bayes_per_second_prefers_cheaper_candidates_and_a_flat_cost_changes_nothing():
    def cost(u: np.ndarray) -> np.ndarray:  # the optimum's last coordinate (0.8) is the costly side
        return np.exp(4 * np.atleast_2d(u)[:, -1])

    def timed(config: dict) -> Evaluation:
        u = LIGHTGBM.encode(config)
        return Evaluation(config=config, metric="m", scores={"m": float(quadratic(u)[0])}, fit_time=float(cost(u)[0]))

    spent = []  # the mean cost of five proposals after twelve random trials, per second and alone, by seed
    for seed in range(3):
        study = run(RandomSampler(random_state=seed), 12, timed)
        batches = (BayesSampler(cost_exponent=e, random_state=seed).ask(study, LIGHTGBM, 5) for e in (1, 0))
        spent.append([cost(np.array([LIGHTGBM.encode(p.config) for p in batch])).mean() for batch in batches])
    spent = np.array(spent)
    assert (spent[:, 0] < spent[:, 1]).all() and spent[:, 0].sum() < 0.7 * spent[:, 1].sum()
    flat = [run(BayesSampler(cost_exponent=e, random_state=0), 10) for e in (1, 0)]  # every trial 0.01 s
    assert [t.config for t in flat[0].trials] == [t.config for t in flat[1].trials]
    with pytest.raises(ConfigError, match="cost_exponent"):
        BayesSampler(cost_exponent=-1)
    assert make_sampler("bayes", space=LIGHTGBM).cost_exponent == 0  # tune's: not the default (docs/benchmarks.md)


def test_bayes_starts_with_local_random_then_uses_the_gp():
    study = run(BayesSampler(n_startup=4, random_state=0), 8)
    assert [t.source for t in study.trials] == ["random"] + ["local"] * 3 + ["bayes"] * 4


def test_bayes_handles_failures_duplicates_and_constant_scores():
    base = recommendations(1)[0]
    # reg_alpha 0 and 1e-4 are different configurations with the same encoding
    twins = [dict(base, reg_alpha=0.0), dict(base, reg_alpha=1e-4), dict(base, reg_alpha=0.0, num_leaves=8)]
    others = recommendations(4, seed=3)
    study = Study()
    study.add_prior(twins + others, [0.5, 0.5, 0.5, math.nan, 0.5, math.nan, 0.5])
    sampler = BayesSampler(random_state=0)
    for _ in range(4):
        proposals = sampler.ask(study, LIGHTGBM, 2)
        assert len(proposals) == 2 and {p.source for p in proposals} == {"bayes"}
        for p in proposals:
            LIGHTGBM.validate(p.config)
            assert not study.has(p.config)
        study.add_prior([p.config for p in proposals], [0.5, math.nan])


def test_bayes_ignores_failed_trials_until_enough_succeed():
    study = Study()
    study.add_prior(recommendations(5), [math.nan, math.nan, 0.1, math.nan, 0.2])
    assert {p.source for p in BayesSampler(random_state=0).ask(study, LIGHTGBM, 3)} == {"local"}


def test_trust_region_rules():
    region = TrustRegion()
    assert region.length == 0.4
    for _ in range(2):
        region.update(True)
    region.update(False)  # breaks the streak
    for _ in range(2):
        region.update(True)
    assert region.length == 0.4
    region.update(True)
    assert region.length == 0.8
    for _ in range(6):
        region.update(True)
    assert region.length == 1.0  # capped
    lengths = []
    for _ in range(3 * 7):
        region.update(False)
        lengths.append(region.length)
    assert lengths[2::3] == [0.5, 0.25, 0.125, 0.0625, 0.03125, 1 / 64, 0.4]  # collapse: restart


def test_trust_region_in_the_sampler():
    scores = itertools.count()
    growing = Study()  # every trial improves: the region doubles after three successes
    sampler = BayesSampler(random_state=0)
    growing.optimize(lambda c: evaluation(c, float(next(scores))), sampler, n_trials=8)
    assert sampler.trust_region.length == 1.0

    flat = Study()  # nothing ever improves: the region halves after three failures
    sampler = BayesSampler(random_state=0)
    flat.optimize(lambda c: evaluation(c, 1.0), sampler, n_trials=8)
    assert sampler.trust_region.length == 0.1 and sampler.trust_region.successes == 0


def test_trust_region_box_follows_the_length_scales():
    region = TrustRegion(length=0.2)
    lower, upper = region.bounds(np.full(3, 0.5), np.array([1.0, 1.0, 4.0]))
    sides = upper - lower
    assert np.prod(sides) == pytest.approx(0.2**3)  # the volume of a cube of side 0.2
    assert sides[2] == pytest.approx(4 * sides[0]) and np.allclose(lower + upper, 1.0)
    lower, upper = region.bounds(np.full(3, 0.95), np.ones(3))
    assert np.allclose(lower, 0.85) and np.allclose(upper, 1.0)  # clipped to the cube


# --------------------------------------------------------------------------- grid and evolution


def test_grid_walks_the_whole_grid_then_goes_random():
    space = SearchSpace(
        family="toy", version="toy-2", fixed={}, default={},
        params=(Param("a", 1, 4, integer=True), Param("b", 0.001, 1.0, log=True)),
    )
    study = Study(space)
    study.optimize(lambda c: evaluation(c, 0.0), GridSampler(points_per_dim=3, random_state=0), n_trials=12)
    grid = [t.config for t in study.trials if t.source == "grid"]
    assert len(grid) == 9 and {t.source for t in study.trials[9:]} == {"random"}
    assert {c["a"] for c in grid} == {1, 2, 4}  # 2.5 rounds to 2
    assert np.allclose(sorted({c["b"] for c in grid}), [0.001, math.sqrt(0.001), 1.0])
    ordered = [(c["a"], c["b"]) for c in grid]
    assert ordered != sorted(ordered)  # shuffled


def test_grid_explicit_values():
    sampler = GridSampler(points_per_dim=1, values={"reg_alpha": [0.0, 0.5], "num_leaves": [8, 64]}, random_state=0)
    study = run(sampler, 4)
    pairs = {(t.config["reg_alpha"], t.config["num_leaves"]) for t in study.trials}
    assert pairs == {(0.0, 8), (0.0, 64), (0.5, 8), (0.5, 64)}
    assert {t.source for t in study.trials} == {"grid"}
    assert all(t.config["learning_rate"] == pytest.approx(0.01) for t in study.trials)  # one point: the low end
    with pytest.raises(ConfigError, match="unknown parameter"):
        GridSampler(values={"max_depth": [3]}).ask(Study(), LIGHTGBM)
    with pytest.raises(ConfigError, match="num_leaves"):
        GridSampler(values={"num_leaves": [1]}).ask(Study(), LIGHTGBM)
    with pytest.raises(ConfigError, match="points_per_dim"):
        GridSampler(points_per_dim=0)


def test_evolution_improves_over_its_first_generation():
    for seed in range(3):
        sampler = EvolutionSampler(mu=4, lam=8, random_state=seed)
        study = run(sampler, 64)
        first = max(t.score for t in study.trials[:8])
        assert study.best_score > first + 0.05
        assert {t.source for t in study.trials[:8]} == {"random"}
        assert {t.source for t in study.trials[8:]} == {"evolution"}
        assert sampler.step_size != 0.15  # the 1/5th rule moved it


def test_evolution_step_size_follows_the_one_fifth_rule():
    improving = itertools.count()
    sampler = EvolutionSampler(mu=2, lam=4, sigma=0.1, random_state=0)
    run(sampler, 12, fn=lambda c: evaluation(c, float(next(improving))))  # every offspring succeeds
    assert sampler.step_size == pytest.approx(0.1 / 0.85)
    sampler = EvolutionSampler(mu=2, lam=4, sigma=0.1, random_state=0)
    run(sampler, 12, fn=lambda c: evaluation(c, 0.0))  # none does
    assert sampler.step_size == pytest.approx(0.1 * 0.85)


# --------------------------------------------------------------------------- make_sampler


def test_make_sampler():
    classes = {"bayes": BayesSampler, "random": RandomSampler, "local": LocalRandomSampler,
               "grid": GridSampler, "evolution": EvolutionSampler, "gradient": GradientSampler}
    assert set(SAMPLERS) == set(classes)
    for name, cls in classes.items():
        sampler = make_sampler(name, space=LIGHTGBM, random_state=1)
        assert type(sampler) is cls and sampler.random_state == 1
        warm = make_sampler(name.upper(), space=LIGHTGBM, warm_start_configs=recommendations(2), random_state=1)
        assert isinstance(warm, WarmStartSampler) and type(warm.then) is cls and len(warm.configs) == 2
    cold = make_sampler(None, space=LIGHTGBM, warm_start_configs=recommendations(2))
    assert type(cold) is RandomSampler

    def prior(U):
        return quadratic(U)

    assert make_sampler("bayes", space=LIGHTGBM, prior_mean=prior).prior_mean is prior
    local = make_sampler("local", space=LIGHTGBM, warm_start_configs=recommendations(2))
    assert len(local.then.centers) == 2
    given = BayesSampler(cost_exponent=1, random_state=5)
    made = make_sampler(given, space=LIGHTGBM, warm_start_configs=recommendations(2), random_state=1, prior_mean=prior)
    assert made.then is not given and made.then.prior_mean is prior and made.then.random_state == 5
    assert given.prior_mean is None and made.then.cost_exponent == 1
    assert [check_sampler(s) for s in (None, " Bayes", GridSampler(), WarmStartSampler([], RandomSampler()))] == [
        None, "bayes", "grid", "custom"]
    with pytest.raises(ConfigError, match="unknown sampler 'tpe'.*bayes"):
        make_sampler("tpe", space=LIGHTGBM)
    with pytest.raises(ConfigError, match="num_leaves"):
        make_sampler("bayes", space=LIGHTGBM, warm_start_configs=[dict(recommendations(1)[0], num_leaves=0)])


def test_make_sampler_copies_an_instance_seeded_from_random_state_when_it_has_none():
    class NoInit(BaseSampler):  # BaseSampler.__init__ not called: no random_state attribute
        def __init__(self):
            pass

        def ask(self, study, space, n=1):
            return []

    assert make_sampler(NoInit(), space=LIGHTGBM, random_state=3).random_state == 3
    unseeded = BayesSampler(cost_exponent=1)
    made = [make_sampler(unseeded, space=LIGHTGBM, random_state=3) for _ in range(2)]
    assert [m.random_state for m in made] == [3, 3] and unseeded.random_state is None
    assert [m._rng.random() for m in made][0] == np.random.default_rng(3).random()


def test_make_sampler_refuses_an_instance_that_cannot_be_copied():
    import threading

    class Locked(RandomSampler):
        def __init__(self):
            super().__init__(0)
            self.lock = threading.Lock()

    with pytest.raises(ConfigError, match="Locked cannot be copied .*TypeError.*one per family.*deepcopy"):
        make_sampler(Locked(), space=LIGHTGBM)


# --------------------------------------------------------------------------- small spaces, reuse, bad input

SMALL = SearchSpace(family="toy", version="toy-2", params=(Param("a", 1, 4, integer=True),
                                                            Param("c", choices=("gbdt", "rf", "goss"))),
                    fixed={}, default={}, max_rounds=None)
"""Twelve configurations: a local sampler's steps land on ones already run."""


@pytest.mark.parametrize("make", [LocalRandomSampler, BayesSampler])
def test_a_sampler_circling_in_a_small_space_is_helped_by_uniform_draws(make):
    study = Study(SMALL)
    study.optimize(lambda c: evaluation(c, c["a"] + (c["c"] == "goss")), make(random_state=0), n_trials=12)
    assert len(study.trials) == 12 and study.best_config == {"a": 4, "c": "goss"}


def test_added_trials_are_copies_held_to_the_studys_rules():
    earlier = Study(SMALL)
    earlier.add_prior([{"a": 1, "c": "rf"}], [0.5])
    kept = earlier.trials[0]
    odd = [Trial(0, {"a": 2, "c": "rf"}, "random"), Trial(1, {"a": 3, "c": "rf"}, "random", score=0.9, status="failed")]
    study = Study(SMALL)
    copy, *added = study.add_trials([kept, *odd])
    assert [(t.status, math.isnan(t.score)) for t in added] == [("failed", True), ("failed", True)]
    assert study.best_score == 0.5
    copy.user_attrs["note"], copy.scores["m"] = "mine", 1.0
    assert kept.user_attrs == {} and kept.scores == {}


def test_pruning_compares_only_trials_of_the_folds_this_study_runs():
    def three_folds(config, prune_below=None):
        if prune_below is not None and len(prune_below) != 3:
            raise ConfigError("prune_below needs the folds and one bar per fold")
        scores = [0.5 + 0.1 * config["a"]] * 3
        return Evaluation(config=config, metric="m", scores={"m": scores[0]}, fold_scores={"m": scores})

    study = Study(SMALL)
    study.add_trials([Trial(0, {"a": 4, "c": "gbdt"}, "random", score=0.99, fold_scores=[0.99] * 5)])
    study.optimize(three_folds, RandomSampler(random_state=0), n_trials=5, prune=1)
    assert all(t.ok for t in study.trials)


def test_a_sampler_reused_on_another_study_starts_afresh():
    sampler = EvolutionSampler(random_state=0)
    run_twice = [run(sampler, 10) for _ in range(2)]  # the second study is empty at its first ask
    fresh = run(EvolutionSampler(random_state=0), 10)
    assert [t.source for t in run_twice[1].trials[:4]] == [t.source for t in fresh.trials[:4]]
    bayes = BayesSampler(random_state=0)
    run(bayes, 25)
    assert bayes.trust_region != TrustRegion()
    run(bayes, 1)  # a new study: the trust region of the first is forgotten
    assert bayes.trust_region == TrustRegion()


def test_an_interrupt_is_forgotten_by_the_next_complete_run():
    calls = itertools.count()

    def once(config):
        if next(calls) == 1:
            raise KeyboardInterrupt
        return objective(config)

    study = Study()
    study.optimize(once, RandomSampler(random_state=0), n_trials=5)
    assert study.interrupted
    study.optimize(once, RandomSampler(random_state=0), n_trials=2)
    assert not study.interrupted and len(study.trials) == 3


@pytest.mark.parametrize("call, match", [
    (lambda: Study("lightgbm"), "must be a SearchSpace.*LIGHTGBM"),
    (lambda: Study().add_prior(LIGHTGBM.default, [0.5]), "a list of configurations"),
    (lambda: Study(SMALL).add_prior([{"a": 1, "c": "rf"}], [None]), "must be a number"),
    (lambda: WarmStartSampler({"a": 1, "c": "rf"}, then=RandomSampler()), "a list of configurations"),
    (lambda: Param("flag", choices=(True, False)), "numbers or text"),
    (lambda: Param("weight", choices=(None, "balanced")), "None is neither"),
    (lambda: Param("k", 0.5, 0.9, integer=True), "no whole number"),
])
def test_bad_definitions_are_named(call, match):
    with pytest.raises(ConfigError, match=match):
        call()


def test_an_integer_parameter_with_fractional_ends_is_searched_within_them():
    space = SearchSpace(family="toy", version="toy-3", params=(Param("k", 2.5, 6.5, integer=True), Param("x", 0, 1)),
                        fixed={}, default={}, max_rounds=None)
    study = Study(space)
    study.optimize(lambda c: evaluation(c, c["x"] - c["k"]), GridSampler(random_state=0), n_trials=9)
    assert sorted({t.config["k"] for t in study.trials}) == [3, 4, 6] and len(study.trials) == 9  # 2.5, 4.5, 6.5


@pytest.mark.parametrize("call, match", [
    (lambda: EvolutionSampler(sigma="0.1"), r"^sigma must be a finite number in \[0.001, 0.5\], got '0.1'$"),
    (lambda: LocalRandomSampler(scale=math.inf), r"^scale must be a finite number in \(0, inf\), got inf$"),
    (lambda: LocalRandomSampler(centers=5), r"^centers must be a list of configurations \(dicts\), got 5$"),
    (lambda: GradientSampler(max_step="0.2"), r"^max_step must be a finite number in \(0, 1\], got '0.2'$"),
    (lambda: GradientSampler(start="default"), r"^start must be a configuration \(a dict\) or None, got str$"),
    (lambda: BayesSampler(cost_exponent=np.nan), r"^cost_exponent must be a finite number in \[0, inf\), got nan$"),
    (lambda: GridSampler(values={"num_leaves": 5}), "^the grid of num_leaves must be a list of values, got 5$"),
    (lambda: GridSampler(values={"num_leaves": "4"}), "^the grid of num_leaves must be a list of values, got '4'$"),
    (lambda: GridSampler(values=[("num_leaves", [4])]), "^values must map parameter names to lists of values"),
    (lambda: RandomSampler(random_state=-1), r"^random_state must be a whole number \(a seed\), at least 0; got -1$"),
    (lambda: RandomSampler(random_state=1.5), "^random_state must be a whole number"),
    (lambda: RandomSampler().reseed("0"), "^random_state must be a whole number"),
    (lambda: WarmStartSampler(None, RandomSampler()), r"^configs must be a list of configurations \(dicts\), got None"),
    (lambda: make_sampler("bayes", space="lightgbm"), "^space must be a SearchSpace, got str 'lightgbm'; e.g. "),
    (lambda: make_sampler("bayes", space=LIGHTGBM, warm_start_configs=None), "^warm_start_configs must be a list"),
])
def test_a_samplers_bad_arguments_are_named(call, match):
    with pytest.raises(ConfigError, match=match):
        call()


def test_a_samplers_numbers_and_seeds_may_be_numpys():
    assert LocalRandomSampler(scale=np.float32(0.5)).scale == EvolutionSampler(sigma=np.float64(0.5)).sigma == 0.5
    assert RandomSampler(random_state=np.int64(3)).random_state == 3
    generator = np.random.default_rng(0)
    assert RandomSampler(random_state=generator).random_state is generator


@pytest.mark.parametrize("make, name", [
    (lambda v: BayesSampler(n_startup=v), "n_startup"),
    (lambda v: BayesSampler(n_candidates=v), "n_candidates"),
    (lambda v: LocalRandomSampler(n_best=v), "n_best"),
    (lambda v: EvolutionSampler(mu=v), "mu"),
    (lambda v: EvolutionSampler(lam=v), "lam"),
    (lambda v: GridSampler(points_per_dim=v), "points_per_dim"),
])
def test_a_samplers_counts_are_whole_numbers_named_when_wrong(make, name):
    for bad in (0, 2.5, "3", True):
        with pytest.raises(ConfigError, match=f"^{name} must be a whole number"):
            make(bad)


def test_the_best_trial_is_the_earliest_among_ties():
    study = Study()
    configs = LIGHTGBM.sample(3, random_state=0)
    study.add_prior(configs, [0.5, 0.7, 0.7])
    assert study.best_trial is study.trials[1] and study.best_config == configs[1]
