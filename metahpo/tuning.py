"""tune(): a short search warm-started from the knowledge base, and a model ready to use.

The data flow continues where :func:`metahpo.recommend` stops: the top recommendations are the
first trials, the knowledge base's learned surrogate is the Bayesian sampler's prior mean, every
trial is cross-validated on the same folds, and the best configuration is refitted on all data.
The model family (:mod:`metahpo.families`) is a parameter: this module names none.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from metahpo import knowledge_base as kbm
from metahpo.datasets import Dataset, conform, load, read_table
from metahpo.ensemble import EnsembleSpec, final_params
from metahpo.ensemble import build as ensemble_build
from metahpo.ensemble import select as ensemble_select
from metahpo.evaluation import (
    METRICS,
    SCORED,
    Evaluation,
    Folds,
    check_bool,
    check_cv,
    check_metric,
    check_n_jobs,
    check_seed,
    check_timeout,
    check_whole,
    encode_target,
    evaluate,
    make_estimator,
    make_folds,
    too_rare_to_stratify,
)
from metahpo.exceptions import (CallbackError, ConfigError, DataError, DataWarning, KnowledgeBaseError, SamplerError,
                                warn)
from metahpo.families import FAMILIES, ModelFamily, get_family
from metahpo.holdout import holdout, rounds_growth
from metahpo.parallel import Journal
from metahpo.progress import TrialProgress, duration, plural, to_stderr
from metahpo.recommendations import (AUTO_FAMILY, WARM_START, Recommendation, RecommendedConfig, Recommender,
                                     check_family, choose_family, get_recommender)
from metahpo.search import BaseSampler, BayesSampler, GridSampler, Study, Trial, check_sampler, make_sampler
from metahpo.search.study import Callback, check_callbacks
from metahpo.spaces import Config, SearchSpace, config_id, early_stopped

MIN_FAMILY_SHARE = 0.2
"""``tune(family="auto")`` gives every family at least this share of the trials before
normalizing, however rarely it did best on similar datasets: the neighbours may be wrong."""


class _Default(str):
    """A default :func:`tune` tells apart from the same value given: ``sampler="bayes"`` given beside
    the deprecated ``strategy`` is an error, the default beside it is not; ``strategy="deprecated"``
    given is an unknown sampler, not the absent ``strategy``."""


_DEFAULT_SAMPLER = _Default("bayes")
_NOT_GIVEN = _Default("deprecated")
"""The default of the deprecated ``strategy`` (shown as scikit-learn shows one): not given."""


@dataclass
class TuneResult:
    """The outcome of :func:`tune`.

    Attributes
    ----------
    best_params : dict
        The best configuration as the family's parameters (the fixed settings and the seed
        included, and for LightGBM its rounds: the median that early stopping chose on the folds,
        for regression grown to all rows, :func:`refit_growth`): for LightGBM,
        ``lightgbm.LGBMClassifier(**best_params)`` fitted on the same data is ``model``; for any
        family, ``get_family(family).make_estimator(best_params, task)`` is.
    best_score : float
        Its mean cross-validated score (``metric``, greater is better).
    metric : str
    study : Study
        Every trial of the best trial's family (every family's: ``studies``, ``trials``).
    model : estimator
        The best configuration refitted on all data, or with ``ensemble=k`` a scikit-learn voting
        ensemble of the selected configurations; not fitted if a keyboard interrupt stopped that
        refit (``best_params`` rebuild it). It was fitted on ``dataset.X``, the frame
        :func:`metahpo.load` makes (column names made safe, text as categories):
        :meth:`predict` and :meth:`predict_proba` prepare new data the same way.
    recommendation : Recommendation or None
        The warm start's recommendation of the best trial's family, if there was one.
    dataset : Dataset
    elapsed : float
        Seconds for the whole call.
    ensemble : EnsembleSpec or None
        With ``ensemble=k``: the members and weights of ``model``, and their out-of-fold scores.
    family : str
        The model family of the best trial (:func:`metahpo.families.get_family`).
    studies : dict
        Each family's study, by name: one per family with ``family="auto"`` (empty for a family
        left no trial, no time, or stopped before), else the one.
    interrupted : bool
        Whether a keyboard interrupt ended the search early (the result holds the trials run) or
        stopped the final refit.
    """

    best_params: dict[str, Any]
    best_score: float
    metric: str
    study: Study
    model: Any
    recommendation: Recommendation | None
    dataset: Dataset
    elapsed: float
    ensemble: EnsembleSpec | None = None
    family: str = "lightgbm"
    studies: dict[str, Study] = field(default_factory=dict)
    interrupted: bool = False

    @property
    def trials(self) -> pd.DataFrame:
        """One row per trial: ``trial``, the number the progress lines and the summary give it (from
        1, over every family in the order they ran; none for a ``prior`` result), the study's own
        ``number`` (from 0 in each family), source (recommended / bayes / random / ...), score, fit
        time, status, error, and the parameters; with several families, a ``family`` column."""
        studies = self.studies or {self.family: self.study}
        if len(studies) == 1:
            frame = self.study.trials_dataframe()
        else:
            frames = [s.trials_dataframe().assign(family=name) for name, s in studies.items()]
            columns = list(dict.fromkeys(c for f in frames for c in f.columns))  # every family's, whether it ran or not
            frame = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True).reindex(columns=columns)
            whole = {c for f in frames if len(f) for c in f.columns if pd.api.types.is_integer_dtype(f[c])}
            frame = frame.astype({c: "Int64" for c in whole})  # not floats for the other family's missing values
        ran = frame["source"] != "prior"
        frame.insert(0, "trial", pd.Series(ran.cumsum(), dtype="Int64").where(ran))
        return frame

    def predict(self, X: Any) -> np.ndarray:
        """Predict with :attr:`model`, ``X`` made as the training features were
        (:func:`~metahpo.datasets.conform`)."""
        return self.model.predict(conform(X, self.dataset.X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities from :attr:`model` (classification only), ``X`` made as in :meth:`predict`."""
        if self.dataset.task == "regression":
            raise AttributeError("predict_proba is for classification; this model is a regressor")
        return self.model.predict_proba(conform(X, self.dataset.X))

    def plot(self, ax: Any = None) -> Any:
        """Score of each trial and the best so far, against the trial number of :attr:`trials`, on
        matplotlib axes ``ax`` (new ones if None), which it returns (needs matplotlib). The best
        ``prior`` result, which has no trial number, is a dotted line the best so far starts from."""
        plt = _pyplot()
        ax = ax or plt.subplots(figsize=(7, 4))[1]
        ok = self.trials[self.trials["status"] == "ok"]  # in the order they ran: several families' one after the other
        best = ok["score"].cummax()
        ran = ok["trial"].notna()
        for source, group in ok[ran].groupby("source"):
            ax.scatter(group["trial"].astype(int), group["score"], label=source, s=18)
        ax.plot(ok.loc[ran, "trial"].astype(int), best[ran], color="black", label="best so far")
        if not ran.all():
            ax.axhline(ok.loc[~ran, "score"].max(), color="grey", linestyle=":", label="best prior result")
        ax.set(xlabel="trial", ylabel=self.metric, title=f"metahpo tune: {self.dataset.name}")
        ax.legend(fontsize="small")
        return ax

    def plot_learning_curve(self, ax: Any = None, validation_size: float = 0.2, random_state: int = 0) -> Any:
        """Training and validation loss against boosting iteration for the best configuration.

        The configuration is refitted, for twice its rounds (at least 50), on a split of the data
        holding out ``validation_size`` of the rows (seeded by ``random_state``, stratified for
        classes), with LightGBM recording both losses each round; the chosen ``n_estimators`` is
        marked. Drawn on ``ax`` (new axes if None), which it returns. For boosted families only.
        """
        if not get_family(self.family).stops_early:
            raise ConfigError(f"a learning curve is drawn over boosting rounds; the {self.family} family has none")
        plt = _pyplot()
        ds = self.dataset
        # LightGBM does not encode evaluation labels, so classes enter as the training part's codes
        y = np.searchsorted(ds.classes, ds.y.to_numpy()) if ds.is_classification else ds.y.to_numpy()
        tr, va, y_va = holdout(y, ds.task, validation_size, random_state)
        y_tr = np.unique(y[tr], return_inverse=True)[1] if ds.is_classification else y[tr]
        X_tr, X_va = ds.X.iloc[tr], ds.X.iloc[va]
        params = dict(self.best_params)
        rounds = max(params.pop("n_estimators") * 2, 50)
        model = make_estimator(params, ds.task, family=self.family, n_estimators=rounds, random_state=random_state)
        model.fit(X_tr, y_tr, eval_X=(X_tr, X_va), eval_y=(y_tr, y_va), eval_names=["training", "validation"])
        ax = ax or plt.subplots(figsize=(7, 4))[1]
        for name, curves in model.evals_result_.items():
            loss, values = next(iter(curves.items()))
            ax.plot(np.arange(1, len(values) + 1), values, label=f"{name} {loss}")
        ax.axvline(self.best_params["n_estimators"], color="grey", linestyle="--", label="n_estimators chosen")
        ax.set(xlabel="boosting iteration", ylabel="loss", title=f"learning curve: {ds.name}")
        ax.legend(fontsize="small")
        return ax

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary; ``ensemble`` is None unless one was asked for."""
        trials = self.trials.replace({np.nan: None})
        return {"dataset": self.dataset.name, "task": self.dataset.task, "family": self.family, "metric": self.metric,
                "best_score": self.best_score, "best_params": self.best_params, "elapsed": self.elapsed,
                "interrupted": self.interrupted,
                "ensemble": None if self.ensemble is None else asdict(self.ensemble),
                "trials": trials.drop(columns=["started", "finished"], errors="ignore").to_dict("records")}


def tune(
    data: Any,
    y: Any = None,
    *,
    target: str | None = None,
    n_trials: int | None = 20,
    timeout: float | None = None,
    sampler: str | BaseSampler | None = _DEFAULT_SAMPLER,
    family: str = AUTO_FAMILY,
    warm_start: int = WARM_START,
    cv: int = 5,
    prune: bool = False,
    metric: str | None = None,
    n_jobs: int = 1,
    random_state: int | None = None,
    ensemble: int | None = None,
    knowledge_base: kbm.KnowledgeSource | Sequence[kbm.KnowledgeSource] | None = None,
    record_to: str | Path | None = None,
    resume: bool = False,
    callbacks: Sequence[Callback] | None = None,
    prior: pd.DataFrame | str | os.PathLike | None = None,
    task: str | None = None,
    categorical: list[str] | None = None,
    verbose: bool = True,
    strategy: str | BaseSampler | None = _NOT_GIVEN,
) -> TuneResult:
    """Tune a model family on a dataset: recommendations first, then a short local search.

    Parameters
    ----------
    data, y, target, task, categorical
        The dataset, as :func:`metahpo.load` takes it.
    n_trials : int, optional
        Trials to run (recommended ones included; ``prior`` results not). ``None`` with a ``timeout``.
    timeout : float, optional
        Seconds after the first trial's start (the setup before it not counted) after which no
        new trial starts.
    sampler : {"bayes", "random", "local", "grid", "evolution", "gradient"}, BaseSampler or None
        The sampler after the warm start (default ``"bayes"``). ``None`` is the cold start: random
        search with no warm start and no knowledge base, the baseline that shows what memory is worth. A
        sampler instance (:mod:`metahpo.search`, e.g. ``BayesSampler(cost_exponent=1)`` to price
        trials by their predicted seconds) is used as a copy, one per family (so it must support
        :func:`copy.deepcopy`), with its own seed, or ``random_state`` if it has none;
        a :class:`~metahpo.search.BayesSampler` without a prior mean gets the knowledge base's
        surrogate, as ``"bayes"`` does.
        ``"gradient"`` (families with a hypergradient, e.g. ``"linear"``) descends the
        cross-validated loss along its gradient with respect to the regularization strength
        (:class:`~metahpo.search.GradientSampler`) from the best warm start; the other
        parameters (for the linear family: expansion, L1 ratio, class weighting) stay at the
        start's values, and the search ends early once converged.
    family : str
        ``"auto"`` (default): every family (:data:`metahpo.families.FAMILIES`), one search after
        the other on the same folds, the best trial of any family returned (with ``ensemble``,
        the ensemble may mix families). The trials (and the timeout) are shared by how often each
        family did best on similar datasets (:func:`~metahpo.recommendations.choose_family`, each
        share raised to at least :data:`MIN_FAMILY_SHARE` before the shares are normalized: a
        sixth of them or more with two families) when every family has a knowledge base, else
        equally; a family's time ends at its share of ``timeout``, the last family's at
        ``timeout``. Or one family: ``"lightgbm"`` or ``"linear"``, which ``prior``, ``record_to``
        and ``sampler="gradient"`` need.
    warm_start : int
        How many recommended configurations to evaluate first (0: none). For a family the
        knowledge base holds no runs of, the warm start is the family's default configuration.
    cv : int
        Cross-validation folds, the same for every trial.
    prune : bool
        Stop a trial after a fold once its mean score so far is more than a standard error below
        the best trial's over the same folds (with ``ensemble=k``, the k-th best's;
        :meth:`~metahpo.search.Study.optimize`): a clearly worse configuration costs a fold, not
        ``cv``. Its trial is ``"pruned"``, never the best, and its estimated score still guides
        the sampler. Not with ``sampler="gradient"``, whose steps need every fold. Off by
        default: on held-out real-world data it cut the wall time of ten trials by a quarter but
        lost test score on most datasets, and on small data it saved little
        (docs/benchmarks.md, "The surrogate from the cache, and pruning").
    metric : str, optional
        A scikit-learn scorer name; default by task (ROC AUC, negative log loss, R²).
    n_jobs : int
        Trials evaluated in parallel through joblib.
    random_state : int, optional
        Seeds the folds, the sampler and the models.
    ensemble : int, optional
        Build the final model as an ensemble: greedy selection with replacement over the best
        ``ensemble`` trials' out-of-fold predictions of each family (kept during the search for
        those trials only; classifiers are selected on log loss, see :mod:`metahpo.ensemble`),
        refitted as a soft-voting / averaging scikit-learn ensemble. Trials run here alone: a
        ``prior`` result, never trained here, has no such predictions and is not a member, even
        where it is ``best_params``.
    knowledge_base : KnowledgeBase or path, or a sequence of them, optional
        Runs of one family, or knowledge bases of several (one per family): each warm-starts its
        family (one of a family not searched is not read; if none is of a searched family, a
        :class:`ConfigError`); every other family is warm-started by its shipped knowledge base,
        or from its default where none ships.
    record_to : path, optional
        A knowledge-base folder every trial is appended to as it finishes (created if absent).
        With ``n_jobs=1`` it also journals the trial running, so that a configuration that kills
        the process (out of memory, say) runs alone in a process of its own when the search is
        run again: a failed trial if it kills that too, and the search goes on.
    resume : bool
        Continue the search ``record_to`` holds for this dataset (one that was killed, or one
        to extend; the same data under any name, a frame then and a file now): its trials count
        toward ``n_trials``, keep their scores and rounds, guide the sampler and are not re-run (a
        resumed random search, for one, runs the trials the whole one would have with the same
        ``random_state``). Their scores come from the folds of the run that recorded them: the
        same ones for the same ``random_state``. Only trials that ``tune`` recorded with a score
        on ``metric`` (one of metahpo's stored metrics; the others run again). Nothing recorded
        yet: a new search. A record of the dataset with another ``cv``, resumed or extended, is a
        :class:`ConfigError`: it keeps one run per configuration. A record keeps no out-of-fold
        predictions: with ``ensemble``, the resumed trials among the best ``ensemble`` are
        evaluated once more before the search, on this run's folds, for theirs (within
        ``timeout``; interrupted before they are back, the model is the best trial's alone).
    callbacks : list of callable, optional
        ``callback(study, trial)`` after every trial, ``study`` the trial's family's;
        ``study.stop()`` ends the whole search. One that raises ends it with a
        :class:`~metahpo.CallbackError` holding that study, and every family's (see Raises; with
        ``record_to``, every finished trial is recorded before the callbacks run).
    prior : DataFrame or path, optional
        Results the user already has for this dataset: one column per parameter and a ``score``
        column (same metric), as a table or a CSV, TSV or Parquet file; an ``n_estimators`` column
        gives the rounds of a result trained with fixed rounds (missing where early stopping chose
        them). They count as evaluated and are not re-run.
    verbose : bool
        Write progress to standard error: what is tuned, the setup's time, then a line per trial
        (its score, the best so far, elapsed time and an ETA), as Optuna logs its trials.
        ``False`` for silence.
    strategy
        Deprecated: the former name of ``sampler``, which does the same. Gives a ``FutureWarning``;
        it will be removed.

    Returns
    -------
    TuneResult

    Raises
    ------
    SamplerError, CallbackError
        When the sampler or a callback fails (see ``sampler`` and ``callbacks``): ``.study`` is the
        failing family's study, ``.studies`` every family's searched so far, by name (the failing
        one's included), each with the trials run.
    """
    start = time.perf_counter()
    n_trials = None if n_trials is None else check_whole(n_trials, "n_trials", 1, " of trials")
    timeout = check_timeout(timeout)
    if n_trials is None and timeout is None:
        raise ConfigError("give a budget: n_trials, timeout (seconds), or both")
    check_n_jobs(n_jobs)
    seed = check_seed(random_state)
    ensemble = None if ensemble is None else check_whole(ensemble, "ensemble", 1, " of best trials to combine")
    sampler = _renamed_strategy(sampler, strategy)
    kind = check_sampler(sampler)
    sampler = sampler if isinstance(sampler, BaseSampler) else kind
    family = check_family(family)
    families = [get_family(name) for name in FAMILIES] if family == AUTO_FAMILY else [get_family(family)]
    knowledge = kbm.given(knowledge_base) if sampler is not None else {}  # a cold start reads none
    if knowledge and not set(knowledge) & {f.name for f in families}:  # as recommend refuses it
        wanted = " or ".join(f.name for f in families)
        raise ConfigError(f"the knowledge base holds {' and '.join(knowledge)} runs, not {wanted} ones: give the "
                          f"{wanted} family's, or tune the {' or '.join(knowledge)} family")
    if kind == "gradient" and not all(f.gradient_params for f in families):
        with_gradient = [name for name in FAMILIES if get_family(name).gradient_params]
        raise ConfigError(f"sampler 'gradient' needs a family with a hypergradient: "
                          f"family={' or '.join(map(repr, with_gradient))}, not {family!r}")
    check_callbacks(callbacks)
    resume = check_bool(resume, "resume")
    if resume and record_to is None:
        raise ConfigError("resume continues the search recorded in record_to: give record_to too")
    if record_to is not None and Path(record_to).exists() and not Path(record_to).is_dir():
        raise ConfigError(f"record_to {str(record_to)!r} is a file: it names a knowledge-base folder")
    if len(families) > 1 and (prior is not None or record_to is not None):
        raise ConfigError(f"prior and record_to hold one family's configurations: name it "
                          f"(family={' or '.join(map(repr, FAMILIES))}), not family={family!r}")
    warm_start = check_whole(warm_start, "warm_start", 0, " of recommended configurations")
    cv = check_cv(cv)
    prune = check_bool(prune, "prune")
    dataset = load(data, y, target=target, task=task, categorical=categorical)
    metric = check_metric(metric, dataset.task)
    prior = None if prior is None else check_prior(prior, families[0].space_for(dataset.task), metric)
    if isinstance(sampler, GridSampler):
        _check_grid(sampler, families, dataset.task)
    if resume and metric not in kbm.ALL_METRICS:
        raise ConfigError(f"resume reads the scores a knowledge base stores ({', '.join(kbm.ALL_METRICS)}), "
                          f"not {metric!r}")
    say = to_stderr if verbose else lambda line: None
    budget = " and ".join(b for b in (n_trials and plural(n_trials, "trial"), timeout and f"{timeout:g} s") if b)
    names = " and ".join(f.name for f in families)
    say(f"tune {dataset.name}: {plural(dataset.n_rows, 'row')} x {plural(dataset.n_features, 'feature')}, "
        f"{dataset.task}, {metric} by {cv}-fold cross-validation, {budget} of the {names} "
        f"{'families' if len(families) > 1 else 'family'}")
    if rare := too_rare_to_stratify(dataset, cv):
        label, count = next(iter(rare.items()))
        warn(f"class {label!r} has {plural(count, 'row')}, fewer than the {cv} "
             f"folds: the folds are shuffled, not stratified, and a fold whose validation part lacks a class "
             f"may go unscored by {metric} (a trial's score is the mean over the others); give fewer folds "
             f"(cv) or more rows of that class", DataWarning)
    if ensemble is not None and metric not in METRICS[dataset.task]:
        say(f"the ensemble's out-of-fold check against the best trial scores {METRICS[dataset.task][0]}, "
            f"not {metric} (only metahpo's stored metrics score out-of-fold predictions)")
    progress = TrialProgress(n_trials, timeout, metric, show_family=len(families) > 1) if verbose else None
    search = _Search(dataset, make_folds(dataset, cv, random_state=seed), metric, seed, sampler, warm_start, ensemble,
                     (ensemble or 1) if prune and kind != "gradient" else 0, n_jobs,
                     list(knowledge.values()), say, progress)
    studies, recommendations, interrupted = _search_families(search, families, n_trials, timeout, prior, record_to,
                                                             resume, callbacks, start)
    trials = [t for study in studies.values() for t in study.trials]
    best = max((t for t in trials if t.ok), key=lambda t: t.score, default=None)
    if best is None and interrupted:
        raise KeyboardInterrupt
    if not trials:
        why = (f"the timeout of {timeout:g} s ran out before the first; give more time" if timeout is not None
               else "the sampler proposed none")
        raise ConfigError(f"no trial ran: {why}")
    if best is None:
        errors = "; ".join(sorted({t.error for t in trials if t.error}))[:300]
        raise ConfigError(f"every trial failed ({len(trials)} trials): {errors}")
    spaces = {name: study.space for name, study in studies.items()}
    if (best.source == "prior" and not best.best_iteration and get_family(best.family).stops_early
            and "n_estimators" not in best.config):
        # a result the user brought, early stopped, was never trained here: its rounds come from the folds
        try:
            rounds = evaluate(best.config, dataset, folds=search.folds, metric=metric, family=best.family,
                              space=spaces[best.family], random_state=seed).best_iteration
        except KeyboardInterrupt:  # the best trial run here stands in
            best = max((t for t in trials if t.ok and t.source != "prior"), key=lambda t: t.score, default=None)
            if best is None:
                raise
            interrupted = True
            say("interrupted while the best prior result's rounds were found: the best trial run here is returned")
        else:
            best = replace(best, best_iteration=rounds)
    growth = refit_growth(dataset.n_rows, search.folds, dataset.task)
    best_params = final_params(best, seed, spaces[best.family], growth)
    if ensemble is not None and interrupted and any(
            "oof" not in t.user_attrs for study in studies.values() for t in _best(study.trials, ensemble)):
        say("interrupted before the resumed trials' out-of-fold predictions were back: the model is the best "
            "trial's alone, not an ensemble")
        ensemble = None
    spec = None
    if ensemble is not None:
        try:
            spec = ensemble_select(trials, ensemble, dataset.task, encode_target(dataset)[0], metric=metric,
                                   random_state=seed, space=list(spaces.values()), growth=growth)
        except KeyboardInterrupt:
            interrupted = True
            say("interrupted while the ensemble was chosen: the model is the best trial's alone")
    model = (make_estimator(best_params, dataset.task, space=spaces[best.family], random_state=seed) if spec is None
             else ensemble_build(spec, dataset.task, random_state=seed, space=list(spaces.values())))
    fitted = True
    try:
        with contextlib.ExitStack() as training:  # as each family trains its models (members of several in an ensemble)
            for name in studies:
                training.enter_context(get_family(name).training())
            model.fit(dataset.X, dataset.y)
    except KeyboardInterrupt:  # the search's result stands; only the refit is lost
        interrupted, fitted = True, False
        say("interrupted during the final refit: the model is not fitted (best_params rebuild it)")
    ran = [t for t in trials if t.source != "prior"]  # numbered as the progress lines number them
    which = next((f"{best.family} trial {i}, {best.source}" for i, t in enumerate(ran, 1) if t is best),
                 f"a prior {best.family} result")
    if fitted and ensemble is None and best.best_iteration and "n_estimators" in best_params.keys() - best.config:
        grown = f": the folds' median {best.best_iteration} times {growth:.2f}" if growth != 1 else ""
        say(f"refitted on all {plural(dataset.n_rows, 'row')} with {best_params['n_estimators']} rounds{grown}")
    cut = ", interrupted," if interrupted else ""
    resumed = sum(bool(t.user_attrs.get("resumed")) for t in ran)
    say(f"best {metric} {best.score:.5f} ({which}) after {plural(len(ran), 'trial')}"
        f"{f' ({resumed} resumed)' if resumed else ''}{cut} in {duration(time.perf_counter() - start)}")
    return TuneResult(best_params, best.score, metric, studies[best.family], model, recommendations.get(best.family),
                      dataset, time.perf_counter() - start, spec, best.family, studies, interrupted)


def _renamed_strategy(sampler: str | BaseSampler | None,
                      strategy: str | BaseSampler | None) -> str | BaseSampler | None:
    """``sampler``, or the deprecated ``strategy`` in its place with a ``FutureWarning``; both given is an error."""
    if strategy is _NOT_GIVEN:
        return sampler
    if sampler is not _DEFAULT_SAMPLER:
        raise ConfigError(f"give sampler={sampler!r} or strategy={strategy!r}, not both: strategy is the former "
                          "name of sampler")
    warn("strategy is renamed sampler in tune: give sampler= (the same values); strategy will be removed",
         FutureWarning)
    return strategy


def _check_grid(sampler: GridSampler, families: list[ModelFamily], task: str) -> None:
    """Refuse, before any trial, a grid whose values do not fit the space of every family searched."""
    misfits = {}
    for model_family in families:
        try:
            sampler.axes(model_family.space_for(task))
        except ConfigError as exc:
            misfits[model_family.name] = exc
    if not misfits:
        return
    name, exc = next(iter(misfits.items()))
    if len(families) == 1:
        raise exc
    fitting = [f.name for f in families if f.name not in misfits]
    hint = f"give family={' or '.join(map(repr, fitting))}" if fitting else "give values of one family's space"
    raise ConfigError(f"the GridSampler's values do not fit the {name} family's space, which family='auto' "
                      f"searches too: {exc}; {hint}")


def _search_families(search: _Search, families: list[ModelFamily], n_trials: int | None, timeout: float | None,
                     prior: tuple[list[Config], list[float]] | None, record_to: str | Path | None, resume: bool,
                     callbacks: Sequence[Callback] | None,
                     start: float) -> tuple[dict[str, Study], dict[str, Recommendation], bool]:
    """Each family's study, its trials and time shared as :meth:`_Search.family_weights` says (no
    trial starts more than ``timeout`` after the first, nor a family's after its share of it; the
    last family has what is left, and the trials a family did not run, its time up or its search
    done, go to the next); an empty study for a family left no trial or no time, or after the
    search was stopped; each family's recommendation; whether Ctrl-C ended the search (the
    families searched before stand)."""
    studies: dict[str, Study] = {}
    recommendations: dict[str, Recommendation] = {}
    weights = search.family_weights([f.name for f in families])
    setup_start = start  # the first family's setup counts the loading and the choice of shares before it
    ended = False  # by Ctrl-C or a callback's study.stop(): the families after it are not searched
    unused = 0  # trials of the families before that they did not run
    for i, (model_family, share, weight) in enumerate(zip(families, _shares(n_trials, weights), weights)):
        share = None if share is None else share + unused
        seconds = None if timeout is None else timeout if i == len(families) - 1 else timeout * weight
        deadline = None if timeout is None or search.began is None else search.began + timeout
        if ended or share == 0 or (deadline is not None and deadline <= time.perf_counter()):
            if not ended:
                search.say(f"{model_family.name}: {'no trial' if share == 0 else 'no time'} left for it")
            studies[model_family.name] = Study(model_family.space_for(search.dataset.task))
            continue
        try:
            study, recommended = search.run(model_family, share, seconds, deadline, prior, record_to, resume,
                                            callbacks, setup_start)
        except (SamplerError, CallbackError) as exc:  # the families searched before keep their trials
            exc.studies = {**studies, model_family.name: exc.study}
            raise
        except KeyboardInterrupt:  # in a later family's setup
            if not studies:
                raise
            studies[model_family.name] = Study(model_family.space_for(search.dataset.task))
            studies[model_family.name].interrupted = ended = True
            continue
        setup_start = time.perf_counter()
        unused = 0 if share is None else max(share - sum(t.source != "prior" for t in study.trials), 0)
        studies[model_family.name] = study
        if recommended is not None:
            recommendations[model_family.name] = recommended
        ended = study.interrupted or study.stopped  # Ctrl-C or study.stop() ends the whole search
    return studies, recommendations, any(study.interrupted for study in studies.values())


def refit_growth(n_rows: int, folds: Folds, task: str) -> float:
    """The factor on the rounds early stopping chose in cross-validation for a refit on all
    ``n_rows``: (rows / a fold's mean training rows) to the power
    :data:`~metahpo.holdout.ROUNDS_EXPONENT`, as a recommendation's rounds grow with the data
    (regression: 1.22 for 3 folds, 1.12 for 5; classification: 1). Chosen on the dev splits
    (docs/benchmarks.md, "tune's refit: regression rounds grow with the rows")."""
    train_rows = np.mean([len(train) for train, _ in folds])
    return float(rounds_growth(n_rows / train_rows, task))


def _shares(n_trials: int | None, weights: list[float]) -> list[int | None]:
    """``n_trials`` shared by searches in proportion to ``weights`` (largest remainders, the first
    search on a tie), each getting at least one trial while there are enough."""
    if n_trials is None:
        return [None] * len(weights)
    floor = min(1, n_trials // len(weights))
    exact = floor + (n_trials - floor * len(weights)) * np.asarray(weights, dtype=float)
    shares = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - shares), kind="stable")[: n_trials - shares.sum()]:
        shares[i] += 1
    return shares.tolist()


@dataclass
class _Search:
    """What every family's search in one :func:`tune` call shares, and the search of one family."""

    dataset: Dataset
    folds: Folds
    metric: str
    seed: int
    sampler: str | BaseSampler | None
    """A name of :data:`~metahpo.search.SAMPLERS`, a sampler, or None for the cold start."""
    warm_start: int
    ensemble: int | None
    prune: int
    """Study.optimize's ``prune``: the rank of the completed trial below which a trial stops, or 0."""
    n_jobs: int
    kb: list[kbm.KnowledgeBase]
    """The user's knowledge bases (none for a cold start): for their families; the others' ship with
    metahpo, or there is none."""
    say: Callable[..., None]
    progress: TrialProgress | None
    """One line per trial, counted over every family's search; None for silence."""
    began: float | None = None
    """When the first family's first trial started (:func:`time.perf_counter`): ``timeout`` counts from then."""

    @property
    def kind(self) -> str | None:
        """The sampler's name (:func:`~metahpo.search.check_sampler`)."""
        return check_sampler(self.sampler)

    @property
    def given_prior_mean(self) -> bool:
        """Whether the sampler is a :class:`~metahpo.search.BayesSampler` given with its own prior mean,
        which the knowledge base's surrogate does not replace."""
        return isinstance(self.sampler, BayesSampler) and self.sampler.prior_mean is not None

    @functools.cached_property
    def metafeatures(self) -> pd.Series:
        """The dataset's meta-features, extracted once for every family's knowledge base."""
        from metahpo import metafeatures

        return metafeatures.extract(self.dataset, random_state=self.seed)

    @functools.cached_property
    def fingerprint(self) -> str:
        """The dataset's :meth:`~metahpo.datasets.Dataset.fingerprint`, hashed once for every family's
        search: it names the journal of ``tune(record_to=...)``."""
        return self.dataset.fingerprint()

    def recorded_id(self, record: kbm.KnowledgeBase | None) -> str:
        """The id under which ``tune(record_to=...)`` records the dataset's trials: the one the
        record (None: none yet) already holds these data under (given another way, a file then, a
        frame now, they may have had another name), else ``NAME-FINGERPRINT``."""
        suffix = f"-{self.fingerprint}"
        held = [] if record is None else sorted(i for i in record.datasets["dataset_id"].astype(str)
                                                if i.endswith(suffix))
        return held[0] if held else f"{self.dataset.name}{suffix}"

    @property
    def kb_metric(self) -> str | None:
        """The metric the knowledge bases rank by: tune's when they store it, else the task's."""
        return self.metric if self.metric in METRICS[self.dataset.task] else None

    def family_weights(self, families: list[str]) -> list[float]:
        """Each family's share of the trials (and of the time): with knowledge bases of every
        family, the shares :func:`~metahpo.recommendations.choose_family` gives, at least
        :data:`MIN_FAMILY_SHARE` each; else equal."""
        knowledge = kbm.of_families(self.kb, families) if self.sampler is not None and len(families) > 1 else {}
        if len(knowledge) < len(families):
            return [1.0 / len(families)] * len(families)
        try:
            choice = choose_family(self.metafeatures, knowledge, self.dataset.task, self.kb_metric)
        except KnowledgeBaseError as exc:  # nothing to compare the families on: equal shares
            self.say(f"the trials shared equally: {exc}")
            return [1.0 / len(families)] * len(families)
        weights = np.maximum([choice.shares[f] for f in families], MIN_FAMILY_SHARE)
        weights = weights / weights.sum()
        self.say(f"the trials shared {', '.join(f'{f} {w:.0%}' for f, w in zip(families, weights))}, by the "
                 f"{choice.describe()}")
        return weights.tolist()

    def knowledge_of(self, family: str) -> kbm.KnowledgeBase | None:
        """The knowledge base that warm-starts ``family`` (:func:`~metahpo.knowledge_base.of_families`);
        None for a cold start or a family no knowledge base knows."""
        if self.sampler is None:
            return None
        return kbm.of_families(self.kb, [family]).get(family)

    def run(self, model_family: ModelFamily, n_trials: int | None, timeout: float | None, deadline: float | None,
            prior: tuple[list[Config], list[float]] | None, record_to: str | Path | None, resume: bool,
            callbacks: Sequence[Callback] | None, start: float) -> tuple[Study, Recommendation | None]:
        """Search ``model_family``'s space: the knowledge base's recommendations (or the family's
        default) first, then the sampler, ``prior`` (:func:`check_prior`'s configurations and
        scores) added to the study; returns the study and the recommendation. With
        ``resume``, the trials ``record_to`` holds count toward ``n_trials``. No trial starts
        ``timeout`` seconds after the search's first (resumed trials evaluated again included), nor
        after ``deadline`` (a :func:`time.perf_counter` time). The setup line gives the time since
        ``start``."""
        dataset, space = self.dataset, model_family.space_for(self.dataset.task)
        if record_to is not None:
            _check_record_space(record_to, space)
        recommendation, prior_mean, mf = None, None, None
        if (kb := self.knowledge_of(model_family.name)) is not None:
            mf, kb_metric = self.metafeatures, self.kb_metric
            if self.warm_start:
                train_rows = min(len(train) for train, _ in self.folds)  # what each trial's models learn from
                recommendation, warm = _distinct_recommendations(
                    get_recommender(kb, dataset.task, "auto", kb_metric), mf, self.warm_start, dataset.name,
                    train_rows, space)
            if self.kind == "bayes" and not self.given_prior_mean:
                prior_mean = get_recommender(kb, dataset.task, "surrogate", kb_metric).prior_mean(mf)
        if recommendation is None:  # no knowledge of this family: its default first
            warm = [dict(space.default)] if self.sampler is not None and self.warm_start else []
        sampler = make_sampler(self.sampler, space=space, warm_start_configs=warm, random_state=self.seed,
                               prior_mean=prior_mean,
                               warm_start_source="recommended" if recommendation is not None else "default")
        study = Study(space)
        if prior is not None:
            study.add_prior(*prior)
        recording = record_to is not None and (Path(record_to) / "manifest.json").exists()
        record = kbm.KnowledgeBase.load(record_to) if recording else None  # read once, for the id and the trials
        recorded_id = None if record_to is None else self.recorded_id(record)
        recorded, unscored = [], 0
        if record is not None:
            recorded, unscored = _recorded_trials(record, record_to, recorded_id, len(self.folds), self.metric, space)
        resumed = study.add_trials(recorded) if resume else []
        as_prior = len(recorded) - len(resumed) if resume else 0  # run by the earlier search, given as prior now
        if n_trials is not None:
            n_trials = max(n_trials - len(resumed) - as_prior, 0)
        pending = sum(not study.has(c) for c in warm)  # the sampler skips what the study holds (prior, resumed)
        first = pending if n_trials is None else min(pending, n_trials)
        setup = [f"{first} {'recommended' if recommendation is not None else 'default'} first"] if first else []
        if resume:
            setup.append(f"{plural(len(resumed), 'recorded trial')} resumed"
                         + (f" ({as_prior} more given as prior results too)" if as_prior else ""))
            if unscored:
                setup.append(f"{plural(unscored, 'recorded trial')} without a {self.metric} score not resumed")
        if self.given_prior_mean:
            setup.append("the given prior mean")
        elif prior_mean is not None:
            setup.append("the knowledge base's surrogate as the prior")
        self.say(f"setup {duration(time.perf_counter() - start)}: {self.kind or 'cold-start random'} search of "
                 f"{model_family.name}" + (f", {', '.join(setup)}" if setup else ""))

        objective = functools.partial(  # what the workers of n_jobs > 1 receive: no more than this
            evaluate, dataset=dataset, folds=self.folds, metric=self.metric, family=model_family, space=space,
            random_state=self.seed, keep_oof=self.ensemble is not None, hypergradient=self.kind == "gradient")
        if self.progress:
            self.progress.resumed(len(resumed))
        recorder = None if record_to is None else _Recorder(record_to, recorded_id, dataset, mf,
                                                            len(self.folds), space, self.metric)
        # a configuration that killed this process last time runs alone: a failed trial if it kills again
        journal = None if record_to is None else Journal(Path(record_to) / f".running-{self.fingerprint}.jsonl")
        keeper = [_keep_best_oof(self.ensemble)] if self.ensemble is not None else []
        progress = [self.progress] if self.progress else []
        # the recorder before the user's callbacks: an interrupt or error in theirs loses no finished trial
        every = [*keeper, *([recorder] if recorder else []), *(callbacks or ()), *progress]
        try:
            began = time.perf_counter()
            self.began = self.began or began
            if self.ensemble is not None and resumed:  # before the search: within its timeout, and Ctrl-C stops both
                self._restore_oof(study, objective)
            if self.kind == "gradient" and (resumed or prior is not None):
                self._restore_gradient(study, objective)
            if timeout is not None:
                timeout = min(began + timeout, deadline or math.inf) - time.perf_counter()
            if not study.interrupted and (timeout is None or timeout > 0):
                if self.progress:  # paced from here: not by the setup or the evaluations again before
                    self.progress.begin()
                study.optimize(objective, sampler, n_trials=n_trials, timeout=timeout, n_jobs=self.n_jobs,
                               callbacks=every, prune=self.prune, journal=journal)
        finally:
            if self.progress:  # ends an overwritten line before the next family's setup line
                self.progress.close()
            if recorder:
                recorder.close()
        return study, recommendation

    def _restore_oof(self, study: Study, objective: Callable[[Config], Evaluation]) -> None:
        """Out-of-fold predictions for the resumed trials among the best ``ensemble``, which their
        record does not keep: each is evaluated again on this run's folds (the recorded ones for
        the same ``random_state``). Run before the search, it restores every resumed trial that can
        end among the best (the search only adds trials) and its time counts toward the timeout."""
        missing = [t for t in _best(study.trials, self.ensemble) if "oof" not in t.user_attrs]
        if missing:
            self.say(f"{plural(len(missing), 'resumed trial')} among the best {self.ensemble} evaluated again for "
                     f"the ensemble's out-of-fold predictions, which a record does not keep")
        for trial in missing:
            try:
                evaluation = objective(dict(trial.config))
            except KeyboardInterrupt:  # tune() then returns the best trial alone
                study.interrupted = True
                return
            except Exception as exc:  # it ran once: a crash now leaves it out of the ensemble, not the run
                error = f"{type(exc).__name__}: {exc}"
            else:
                if evaluation.oof is not None:
                    trial.user_attrs["oof"] = evaluation.oof
                    continue
                error = evaluation.error or evaluation.status
            self.say(f"the resumed trial scoring {trial.score:.5f} left out of the ensemble: {error}")


    def _restore_gradient(self, study: Study, objective: Callable[[Config], Evaluation]) -> None:
        """The loss and hypergradient of the best resumed or prior trial, which neither a record nor a
        prior keeps, so that the gradient search can descend from it (without, it started from the
        space's default, or refused to when that was among them); evaluated again before the search,
        its time counting toward the timeout."""
        best = max((t for t in study.trials if t.ok), key=lambda t: t.score, default=None)
        if best is None or "gradient" in best.user_attrs:
            return
        self.say(f"the best {'prior' if best.source == 'prior' else 'resumed'} trial evaluated again for the "
                 f"hypergradient a descent from it needs")
        try:
            evaluation = objective(dict(best.config))
        except KeyboardInterrupt:  # tune() then returns the best trial
            study.interrupted = True
            return
        except Exception as exc:  # the descent starts where it would have
            self.say(f"the gradient search does not start from it: {type(exc).__name__}: {exc}")
            return
        if evaluation.gradient:
            best.user_attrs["loss"], best.user_attrs["gradient"] = evaluation.loss, dict(evaluation.gradient)


def _best(trials: Sequence[Trial], k: int) -> list[Trial]:
    """The best ``k`` completed trials that ran (priors were never trained here), best first."""
    return sorted((t for t in trials if t.ok and t.source != "prior"), key=lambda t: t.score, reverse=True)[:k]


def _keep_best_oof(k: int) -> Callback:
    """A callback keeping out-of-fold predictions only for the best ``k`` trials, so memory stays
    at k predictions however long the search (a trial outside the best k never re-enters)."""
    def prune(study: Study, trial: Trial) -> None:
        kept = sorted((t for t in study.trials if "oof" in t.user_attrs), key=lambda t: t.score, reverse=True)
        for t in kept[k:]:
            del t.user_attrs["oof"]

    return prune


class _Recorder:
    """Appends every finished trial to a user knowledge base, row by row."""

    def __init__(self, path: str | Path, dataset_id: str, dataset: Dataset, mf: pd.Series | None, cv: int,
                 space: SearchSpace, metric: str) -> None:
        from metahpo import metafeatures

        root = Path(path)
        kbm.append(root, kbm.KnowledgeBase.empty(space.family))  # creates the folders and manifest if absent
        self.family = space.family
        self.dataset_id = dataset_id
        mf = metafeatures.extract(dataset) if mf is None else mf
        datasets = kbm.LiveWriter(root, "datasets")
        datasets.write(kbm.dataset_row(self.dataset_id, dataset, mf))
        datasets.close()
        self.configs, self.runs = kbm.LiveWriter(root, "configurations"), kbm.LiveWriter(root, "runs")
        self.cv, self.metric = cv, metric

    def __call__(self, study: Study, trial: Trial) -> None:
        if trial.source == "prior":
            return
        produced_here = trial.source != "recommended"  # a recommendation was produced elsewhere
        origin = f"tune-{trial.source}" + (f":{self.dataset_id}" if produced_here else "")
        self.configs.write(kbm.configuration_row(trial.config, self.family, origin))
        took = (trial.finished - trial.started).total_seconds() if trial.started and trial.finished else trial.fit_time
        evaluation = Evaluation(trial.config, metric=self.metric, scores=trial.scores, status=trial.status,
                                fold_scores={self.metric: trial.fold_scores} if trial.fold_scores else {},
                                error=trial.error, best_iteration=trial.best_iteration, fit_time=trial.fit_time,
                                total_time=took)
        self.runs.write(kbm.run_row(self.dataset_id, evaluation, self.cv))

    def close(self) -> None:
        self.configs.close()
        self.runs.close()


def _distinct_recommendations(recommender: Recommender, metafeatures: pd.Series, k: int, name: str, train_rows: int,
                              space: SearchSpace) -> tuple[Recommendation, list[Config]]:
    """The first ``k`` recommendations that are distinct configurations of the search (early
    stopped: two that differ only in their rounds, as LightGBM's defaults as shipped and early
    stopped, are one), asking for more while some are alike; the recommendation holds those alone."""
    n = k
    while True:
        recommendation = recommender.recommend(metafeatures, n, name, train_rows=train_rows)
        kept: dict[str, tuple[RecommendedConfig, Config]] = {}
        for rc in recommendation.configs:
            kept.setdefault(config_id(config := early_stopped(space.config_of(rc.params))), (rc, config))
        if len(kept) >= k or len(recommendation.configs) < n:  # k distinct, or the knowledge base has no more
            chosen = list(kept.values())[:k]
            return (replace(recommendation, configs=[rc for rc, _ in chosen]),
                    [config for _, config in chosen])
        n += k - len(kept)


def _check_record_space(root: str | Path, space: SearchSpace) -> None:
    """Refuse to resume or extend a record of another family, or of another version of ``space``:
    its runs scored models metahpo no longer hands out (a solver's tolerance changed, say), which no
    check of the parameters can tell apart; or a folder of parts whose manifest is lost."""
    if not (Path(root) / "manifest.json").exists():
        kbm.check_unmanifested(root)  # parts that a new manifest would adopt unchecked
        return
    manifest = kbm.read_manifest(Path(root))
    if manifest.get("family") != space.family:
        raise KnowledgeBaseError(f"record_to {str(root)!r} holds runs of the {manifest.get('family')} family: record "
                                 f"the {space.family} family's trials to another folder")
    version = manifest.get("space_version")
    if version and version != space.version:
        raise KnowledgeBaseError(
            f"record_to {str(root)!r} holds runs of the {space.family} family's space {version}, not {space.version}: "
            f"their scores are of models metahpo no longer hands out; record to another folder, or evaluate it "
            f"again first (metahpo kb build ... --reevaluate {root} --out NEW)")


def _recorded_trials(kb: kbm.KnowledgeBase, root: str | Path, dataset_id: str, cv: int, metric: str,
                     space: SearchSpace) -> tuple[list[Trial], int]:
    """The trials ``tune(record_to=root)`` recorded in ``kb`` (the record, loaded) of dataset
    ``dataset_id`` with ``cv`` folds and configurations of ``space``, in the order they finished,
    scored by ``metric`` (a pruned trial by its mean over the folds it completed) and marked
    ``user_attrs["resumed"]``; fold scores that are not a JSON list of numbers are a
    :class:`KnowledgeBaseError`. Also how many scored trials were left out for want of a ``metric``
    score (a search on another metric recorded them). A record of the dataset with another number
    of folds is a :class:`ConfigError`: it keeps one run per configuration, which this search's
    would replace."""
    origins = kb.configurations.set_index("config_id")["origin"].astype(str)
    tuned = kb.runs[kb.runs["dataset_id"].eq(dataset_id) & kb.runs["cv"].gt(0) & kb.runs["config_id"].isin(
        origins.index[origins.str.startswith("tune-")])]  # cv 0: a score of folds unknown (an ingested history)
    other = tuned.loc[tuned["cv"].ne(cv), "cv"].value_counts().sort_index()
    if len(other):
        held = " and ".join(f"{plural(int(n), 'trial')} with {int(k)} folds" for k, n in other.items())
        raise ConfigError(f"record_to {str(root)!r} holds {held} of these data, and this search has cv={cv}: a "
                          f"record keeps one run per configuration, which this search's would replace; record to "
                          f"another folder, or search with cv={int(other.index[0])}")
    runs = tuned.sort_values("time", kind="stable", key=kbm.utc_times)
    trials, unscored = [], 0
    for run, config in zip(runs.to_dict("records"), kb.params(runs["config_id"])):
        if not space.contains(config):  # another task's space (the record's version is checked before)
            continue
        scores = {m: float(run[f"score_{m}"]) for m in kbm.ALL_METRICS if np.isfinite(run[f"score_{m}"])}
        score = scores.get(metric, np.nan)
        if run["status"] in SCORED and not np.isfinite(score):  # scored, but on other metrics: not this search's
            unscored += 1
            continue
        source = origins[run["config_id"]].removeprefix("tune-").partition(":")[0]
        error = run["error"] if isinstance(run["error"], str) else ""
        rounds = int(run["best_iteration"]) if pd.notna(run["best_iteration"]) else 0
        folds: Any = []
        if isinstance(text := run.get(f"folds_{metric}"), str) and text:
            try:
                folds = json.loads(text)
            except ValueError:
                folds = None
            if not isinstance(folds, list) or not all(type(v) in (int, float) for v in folds):
                raise KnowledgeBaseError(f"record_to {str(root)!r}: the folds_{metric} of configuration "
                                         f"{run['config_id']} are not a list of scores: {text[:80]!r}")
        trials.append(Trial(0, config, source, score=score if run["status"] in SCORED else np.nan,
                            status=run["status"], fit_time=float(run["fit_time"]), best_iteration=rounds, error=error,
                            scores=scores, fold_scores=folds, user_attrs={"resumed": True}, family=space.family))
    return trials, unscored


def check_prior(prior: pd.DataFrame | str | os.PathLike, space: SearchSpace,
                metric: str | None = None) -> tuple[list[Config], list[float]]:
    """The configurations and scores of results a user already has (a table, or a CSV, TSV or
    Parquet file's path), checked against ``space`` and, if given, the scores against ``metric``.

    Raises
    ------
    ConfigError
        If ``prior`` is not a table with one column per parameter of ``space`` (``n_estimators``
        too, optionally, where ``space`` has rounds) and a numeric ``score`` column (NaN, a failed
        run, is allowed), or if it holds a configuration twice.
    DataError
        If ``prior`` names a file that cannot be read, or gives a ``neg_`` metric a positive score (a
        loss, as other tools report it, where the metric's scores are negated losses).
    """
    if isinstance(prior, (str, os.PathLike)):
        prior = read_table(Path(prior))[0]
    if not isinstance(prior, pd.DataFrame):
        raise ConfigError(f"the prior must be a DataFrame or a table file's path, got {type(prior).__name__}")
    if "score" not in prior.columns:
        raise ConfigError("the prior needs one column per parameter and a 'score' column")
    missing = [n for n in space.names if n not in prior.columns]
    if missing:
        raise ConfigError(f"the prior lacks {plural(len(missing), f'{space.family} parameter column')}: "
                          f"{', '.join(missing)}")
    scores = pd.to_numeric(prior["score"], errors="coerce")
    bad = (scores.isna() & prior["score"].notna()) | np.isinf(scores)  # NaN records a failure
    if bad.any():
        row = _first_row(bad)
        raise ConfigError(f"the prior's score in row {row + 1} is {prior['score'].iloc[row]!r}, not a number")
    if metric is not None and metric.startswith("neg_") and (scores > 0).any():
        row = _first_row(scores > 0)
        raise DataError(f"the prior's score in row {row + 1} is {scores.iloc[row]:g}, but {metric} scores are negated "
                        f"losses (greater is better, at most 0): give -loss ({-scores.iloc[row]:g})")
    rounds = space.max_rounds is not None and "n_estimators" in prior.columns  # a result of fixed rounds
    configs = [space.config_of({n: row[n] for n in space.names}
                               | ({"n_estimators": row["n_estimators"]} if rounds and pd.notna(row["n_estimators"])
                                  else {}))
               for _, row in prior.iterrows()]
    ids = pd.Series([config_id(c) for c in configs])
    if ids.duplicated().any():
        row = _first_row(ids.duplicated())
        first = _first_row(ids == ids[row])
        raise ConfigError(f"the prior's rows {first + 1} and {row + 1} hold the same configuration: give each once")
    return configs, scores.astype(float).tolist()


def _first_row(mask: pd.Series) -> int:
    """The position of the first True of ``mask``."""
    return int(np.flatnonzero(mask.to_numpy())[0])


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ConfigError("plotting needs matplotlib: pip install 'metahpo[plot]'") from None
    return plt
