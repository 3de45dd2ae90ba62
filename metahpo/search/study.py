"""A study: every trial of one search, and the loop that runs them.

:meth:`Study.optimize` asks a sampler for configurations, evaluates them with the objective
(in parallel batches through joblib when ``n_jobs > 1``), and records each outcome as a
:class:`Trial`. Scores are greater-is-better, as every metahpo metric is. A configuration is never
evaluated twice (configurations are compared by :func:`metahpo.spaces.config_id`), results a user
already has enter through :meth:`Study.add_prior` and are never re-run, and one crashing
configuration is a failed trial, not the end of the search.
"""

from __future__ import annotations

import logging
import math
import numbers
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd
from joblib import delayed

from metahpo.evaluation import SCORED, Evaluation, check_n_jobs, check_timeout, check_whole
from metahpo.exceptions import CallbackError, ConfigError, SamplerError
from metahpo.parallel import Journal, WorkerDeath, run_jobs
from metahpo.progress import plural
from metahpo.search.base import BaseSampler, Proposal, check_space, random_proposals
from metahpo.search.warm_start import WarmStartSampler
from metahpo.spaces import LIGHTGBM, Config, SearchSpace, config_id

logger = logging.getLogger(__name__)

MAX_ASKS = 10
"""Times a batch is asked for again when the sampler proposes configurations already evaluated."""

FALLBACK_DRAWS = 1000
"""Uniform draws searched for new configurations when the sampler proposed none new in
:data:`MAX_ASKS` asks (a small space of integers or choices, which a local sampler circles in)."""

Objective = Callable[..., Evaluation]
"""``objective(config) -> Evaluation``; with ``optimize(prune=True)`` it also takes ``prune_below``."""
Callback = Callable[["Study", "Trial"], None]


@dataclass
class Trial:
    """One evaluated configuration.

    Attributes
    ----------
    number : int
        Position in the study, from 0.
    config : dict
        The configuration.
    source : str
        Who proposed it: ``"prior"`` (a result the user already had), ``"recommended"``,
        ``"default"``, ``"random"``, ``"local"``, ``"bayes"``, ``"grid"``, ``"evolution"`` or
        ``"gradient"``.
    score : float
        The objective's score (greater is better); NaN unless ok or pruned. A pruned trial's is an
        estimate on the same footing: its mean over the folds it completed, moved by as much as
        the trial it was pruned against moved over the remaining folds (so below that trial).
    status : {"ok", "pruned", "failed", "timeout"}
        ``"pruned"``: stopped after a fold, below the bar there (``optimize(prune=k)``).
    fit_time : float
        Seconds spent training, as the evaluation reports them.
    best_iteration : int
        Boosting rounds the evaluation used.
    error : str
        Why the trial failed.
    started, finished : datetime or None
        When the evaluation ran (UTC; for one that killed its worker process, from its batch's
        dispatch to when the death was seen); None for prior results.
    scores : dict
        Every metric the evaluation reported.
    fold_scores : list of float
        The score on each fold the evaluation completed, in order.
    family : str
        The model family of the study's space (the trial's configuration is of that family).
    user_attrs : dict
        Free annotations, e.g. from a callback; the study keeps an evaluation's out-of-fold
        predictions as ``"oof"``, its loss and hypergradient as ``"loss"`` and ``"gradient"``;
        ``tune(resume=True)`` marks a trial it resumed from a record ``"resumed"``.
    """

    number: int
    config: Config
    source: str
    score: float = math.nan
    status: str = "ok"
    fit_time: float = 0.0
    best_iteration: int = 0
    error: str = ""
    started: datetime | None = None
    finished: datetime | None = None
    scores: dict[str, float] = field(default_factory=dict)
    fold_scores: list[float] = field(default_factory=list)
    user_attrs: dict[str, Any] = field(default_factory=dict)
    family: str = LIGHTGBM.family

    @property
    def ok(self) -> bool:
        """Whether the trial completed with a score (an ok trial's score is always finite)."""
        return self.status == "ok"

    @property
    def scored(self) -> bool:
        """Whether the trial has a score a sampler can learn from: ok, or pruned."""
        return self.status in SCORED


class Study:
    """The trials of one search over ``space`` (maximizing the score).

    Parameters
    ----------
    space : SearchSpace
        The search space, LightGBM's by default.

    Attributes
    ----------
    trials : list of Trial
        Every trial, in order.
    interrupted : bool
        Whether a keyboard interrupt stopped :meth:`optimize`.

    Examples
    --------
    >>> study = Study()
    >>> study.optimize(lambda config: evaluate(config, data), BayesSampler(), n_trials=30)  # doctest: +SKIP
    >>> study.best_config  # doctest: +SKIP
    """

    def __init__(self, space: SearchSpace = LIGHTGBM) -> None:
        self.space = check_space(space)
        self.trials: list[Trial] = []
        self._by_id: dict[str, Trial] = {}
        self._replays = 0  # asks for trials added from an earlier search, which a sampler may replay
        self._stop = False
        self._folds: int | None = None  # how many folds the trials this study ran have: what pruning compares
        self.interrupted = False
        self._warned_empty = False  # that the sampler proposed nothing, and random draws stand in

    # ------------------------------------------------------------------ results

    @property
    def best_trial(self) -> Trial | None:
        """The ok trial with the highest score (the earliest among ties), or None."""
        ok = [t for t in self.trials if t.ok]
        return max(ok, key=lambda t: t.score) if ok else None

    @property
    def best_config(self) -> Config | None:
        """The best trial's configuration, or None before any ok trial."""
        best = self.best_trial
        return None if best is None else best.config

    @property
    def best_score(self) -> float:
        """The best trial's score, or NaN before any ok trial."""
        best = self.best_trial
        return math.nan if best is None else best.score

    def has(self, config: Config) -> bool:
        """Whether the study holds a trial of ``config`` (compared by :func:`config_id`)."""
        return config_id(config) in self._by_id

    def get(self, config: Config) -> Trial | None:
        """The trial of ``config``, or None."""
        return self._by_id.get(config_id(config))

    def trials_dataframe(self) -> pd.DataFrame:
        """The trials as a table.

        Returns
        -------
        pandas.DataFrame
            One row per trial: number, source, score, status, fit_time, best_iteration, error,
            started, finished, then one column per parameter (the space's, then any other, e.g.
            ``n_estimators``).
        """
        columns = ["number", "source", "score", "status", "fit_time", "best_iteration", "error", "started", "finished"]
        extra = sorted({k for t in self.trials for k in t.config} - set(self.space.names))
        rows = [{c: getattr(t, c) for c in columns} | t.config for t in self.trials]
        return pd.DataFrame(rows, columns=columns + self.space.names + extra)

    # ------------------------------------------------------------------ recording

    def add_prior(self, configs: Iterable[Config], scores: Iterable[float]) -> list[Trial]:
        """Record results the user already has, so that they count as evaluated and are never re-run.

        Parameters
        ----------
        configs : iterable of dict
            Configurations of the study's space.
        scores : iterable of float
            Their scores (greater is better); NaN records a failed configuration.

        Returns
        -------
        list of Trial
            The trials added (source ``"prior"``); a configuration the study already holds is skipped.
        """
        if isinstance(configs, dict) or isinstance(scores, (str, numbers.Number)):
            raise ConfigError("add_prior takes a list of configurations (dicts) and a list of their scores")
        configs, scores = list(configs), [_check_score(s) for s in scores]
        if len(configs) != len(scores):
            raise ConfigError(f"add_prior got {len(configs)} configurations but {len(scores)} scores")
        for config in configs:
            self.space.validate(config)
        added = []
        for config, score in zip(configs, scores):
            if not self.has(config):
                trial = Trial(len(self.trials), dict(config), "prior")
                _set_outcome(trial, "ok", score, "")
                added.append(self._record(trial))
        return added

    def add_trials(self, trials: Iterable[Trial]) -> list[Trial]:
        """Record finished trials of an earlier search of this space (a resumed one's), renumbered
        in order after the study's own, so that they count as evaluated and are never re-run. A
        seeded sampler whose proposals do not follow the scores (random search) replays the earlier
        search, proposing its trials again before new ones; the others go on from the trials as
        they are, not as the earlier search would have. Each trial added buys the asks that search
        may have spent on it (``1 + MAX_ASKS``) for asks that bring nothing new, beyond
        :data:`MAX_ASKS`.

        Returns
        -------
        list of Trial
            The trials added, as copies (their dicts and lists copied too); a configuration the
            study already holds is skipped. A trial whose status and score disagree (ok without a
            finite score) is added as failed, as the study records its own.
        """
        added = []
        for trial in trials:
            self.space.validate(trial.config)
            if not self.has(trial.config):
                copy = replace(trial, number=len(self.trials), config=dict(trial.config), scores=dict(trial.scores),
                               fold_scores=list(trial.fold_scores), user_attrs=dict(trial.user_attrs))
                _set_outcome(copy, trial.status, trial.score, trial.error)
                added.append(self._record(copy))
                self._replays += 1 + MAX_ASKS
        return added

    def stop(self) -> None:
        """Stop :meth:`optimize` after the current batch (e.g. from a callback)."""
        self._stop = True

    @property
    def stopped(self) -> bool:
        """Whether :meth:`stop` ended the last :meth:`optimize`."""
        return self._stop

    def _record(self, trial: Trial) -> Trial:
        trial.family = self.space.family
        self.trials.append(trial)
        self._by_id[config_id(trial.config)] = trial
        return trial

    # ------------------------------------------------------------------ the loop

    def optimize(
        self,
        objective: Objective,
        sampler: BaseSampler,
        n_trials: int | None = None,
        timeout: float | None = None,
        n_jobs: int = 1,
        callbacks: Sequence[Callback] | None = None,
        prune: int = 0,
        journal: Journal | None = None,
    ) -> None:
        """Evaluate configurations the sampler proposes until a budget runs out.

        Parameters
        ----------
        objective : callable
            ``objective(config) -> Evaluation``, e.g. a partial of :func:`metahpo.evaluation.evaluate`.
            An exception it raises, or an evaluation whose score is not a number, is recorded as a
            failed trial and the search goes on.
        sampler : BaseSampler
        n_trials : int, optional
            Trials to run in this call (failed ones count).
        timeout : float, optional
            Seconds after which no new trial starts (a running batch finishes). At least one of
            ``n_trials`` and ``timeout`` must be given.
        n_jobs : int
            Configurations evaluated in parallel, as batches, through joblib (``-1``: one per CPU).
            The active :func:`joblib.parallel_config` chooses the backend: the default runs
            processes; ``backend="threading"`` avoids copying the data to them (LightGBM releases
            the GIL).
        callbacks : list of callable, optional
            Each is called as ``callback(study, trial)`` after every trial; one may call
            :meth:`stop`. One that raises ends the search with a :class:`~metahpo.CallbackError`
            that holds the study (its exception as the cause), once the trials of its batch are
            recorded and given to the other callbacks.
        prune : int
            With ``k > 0``: stop a trial after a fold once its mean score so far is below the
            ``k``-th best completed trial's over the same folds (``k = 1``, or ``True``: the
            best; an ensemble of ``k`` wants its ``k`` best complete) by more than a standard
            error: that trial's fold-to-fold standard deviation over the square root of the
            folds done, so that one lucky or unlucky fold decides nothing. The objective is then
            called as ``objective(config, prune_below=bars)``, as
            :func:`metahpo.evaluation.evaluate` takes it. A pruned trial keeps an estimated score
            for the samplers but is never the best. ``0`` (default): every trial runs every fold.
        journal : Journal, optional
            Where the configurations evaluated in this process (``n_jobs=1``) are journaled while
            they run (:class:`metahpo.parallel.Journal`). After one killed the process, a search
            given the same journal evaluates it alone in a process of its own (so the objective
            must pickle): a failed trial if it kills that one too. ``tune(record_to=...)`` keeps
            one beside its record.

        Notes
        -----
        A keyboard interrupt stops the search, keeps every trial that finished (with ``n_jobs > 1``,
        those that finished while an earlier one of their batch still ran too, numbered in order)
        and sets :attr:`interrupted`. A sampler that raises, or proposes something other than
        configurations of the space, ends it with a :class:`~metahpo.SamplerError` that holds
        the study (so ``tune``'s trials are not lost with it). When the sampler proposes
        only configurations already evaluated, or none (which it warns of, once), the batch is
        drawn uniformly (:data:`FALLBACK_DRAWS` draws); the search stops early when they find
        nothing new either (the space is exhausted), or when the sampler has converged (a
        gradient search). A sampler that served another study forgets what it learned there. With ``n_jobs > 1``,
        a configuration whose evaluation kills its worker process (out of memory, say) is a
        failed trial, found out by running the trials its batch left unfinished again, each
        alone (:func:`metahpo.parallel.run_jobs`).
        """
        n_jobs = _check_budget(objective, sampler, n_trials, timeout, n_jobs)
        check_callbacks(callbacks)
        prune = int(prune) if isinstance(prune, (bool, np.bool_)) else check_whole(
            prune, "prune", 0, " (prune against the k-th best trial; True is 1)")
        deadline = math.inf if timeout is None else time.monotonic() + timeout
        remaining = math.inf if n_trials is None else n_trials
        self._stop, self.interrupted = False, False
        sampler._serve(self)
        try:
            while remaining > 0 and time.monotonic() < deadline and not self._stop:
                batch = self._ask(sampler, int(min(n_jobs, remaining)))
                if not batch:
                    if sampler.converged:
                        logger.info("the sampler's search has converged; stopping")
                    else:
                        logger.warning("neither the sampler nor %d uniform draws found a configuration not "
                                       "evaluated yet (the space may be exhausted); stopping", FALLBACK_DRAWS)
                    return
                first, bar = len(self.trials), self._pruning_bar(int(prune)) if prune else None
                jobs = [delayed(_run)(objective, first + i, p, bar) for i, p in enumerate(batch)]
                keys = [config_id(p.config) for p in batch]
                raised: tuple[Callback, Trial, Exception] | None = None
                dispatched = datetime.now(timezone.utc)
                # in the jobs' order, as a seeded search replays them; after Ctrl-C, those that finished while an
                # earlier one still ran follow (run_jobs), and every trial is numbered as recorded
                for i, trial in run_jobs(jobs, n_jobs, journal=journal, keys=keys):
                    if isinstance(trial, WorkerDeath):  # the configuration kills its worker: a failed trial
                        trial = _died(first + i, batch[i], trial, dispatched)
                    raised = self._finish(trial, callbacks, raised)
                if raised:
                    callback, trial, exc = raised
                    name = getattr(callback, "__qualname__", type(callback).__name__)
                    raise CallbackError(f"the callback {name} raised {type(exc).__name__}: {exc} after trial "
                                        f"{trial.number}; the study keeps the {plural(len(self.trials), 'trial')} "
                                        f"recorded (CallbackError.study)", self) from exc
                remaining -= len(batch)
        except KeyboardInterrupt:
            self.interrupted = True
            logger.info("interrupted; keeping the %s finished", plural(len(self.trials), "trial"))  # callers say it

    def _finish(self, trial: Trial, callbacks: Sequence[Callback] | None,
                raised: tuple[Callback, Trial, Exception] | None) -> tuple[Callback, Trial, Exception] | None:
        """Record ``trial`` and call back on it, but for a callback that raised before (``raised``);
        return the first callback that raised, as :meth:`_call_back` does."""
        trial.number = len(self.trials)  # as run, but for those after a gap that Ctrl-C left in a batch
        self._record(trial)
        if trial.ok and trial.fold_scores and self._folds is None:
            self._folds = len(trial.fold_scores)
        failure = self._call_back([c for c in callbacks or () if not raised or c is not raised[0]], trial)
        return raised or failure  # the batch's other trials are recorded, and called back

    def _call_back(self, callbacks: Sequence[Callback], trial: Trial) -> tuple[Callback, Trial, Exception] | None:
        """Each callback on ``trial``, and the first that raises: it, the trial and its exception. The
        others are called all the same (``tune``'s recorder among them), and the search ends with a
        :class:`~metahpo.CallbackError` once the batch is recorded, without calling that one again."""
        raised = None
        for callback in callbacks:
            try:
                callback(self, trial)
            except Exception as exc:
                raised = raised or (callback, trial, exc)
        return raised

    def _pruning_bar(self, k: int) -> _Bar | None:
        """The bar of the ``k``-th best completed trial with as many folds as the trials this study
        ran, or None while fewer than ``k`` are complete (or before the first trial it ran completes:
        trials added from elsewhere may come from other folds)."""
        complete = sorted((t for t in self.trials if t.ok and len(t.fold_scores) == self._folds),
                          key=lambda t: t.score, reverse=True)
        return _Bar.of(complete[k - 1].fold_scores) if len(complete) >= k else None

    def _ask(self, sampler: BaseSampler, n: int) -> list[Proposal]:
        """``n`` configurations new to the study (fewer if the sampler keeps proposing duplicates)."""
        batch: list[Proposal] = []
        ids: set[str] = set()
        asks, proposed = 0, False
        while asks < MAX_ASKS:
            before = len(batch)
            proposals = self._proposals(sampler, n - len(batch))
            proposed = proposed or bool(proposals)
            for proposal in proposals:
                cid = config_id(proposal.config)
                if len(batch) < n and cid not in ids and cid not in self._by_id:
                    ids.add(cid)
                    batch.append(proposal)
            if len(batch) == n:
                break
            if len(batch) == before and self._replays:  # nothing new: the sampler replays added trials
                self._replays -= 1
            else:
                asks += 1
        if not batch and not sampler.converged:  # nothing new at all: it circles in a small space
            rng = getattr(sampler, "_rng", None) or np.random.default_rng(len(self.trials))
            batch = random_proposals(self, self.space, rng, FALLBACK_DRAWS)[:n]
            if batch and not proposed and not self._warned_empty:
                self._warned_empty = True
                logger.warning("%s proposed no configuration: uniform random draws stand in for it (in a small "
                               "space it may have found all it can; a sampler that has finished its search should "
                               "say so by overriding `converged`)", _sampler_name(sampler))
        return batch

    def _proposals(self, sampler: BaseSampler, n: int) -> list[Proposal]:
        """What ``sampler.ask`` returns, checked: a list of proposals of configurations of the space."""

        def failed(what: str) -> SamplerError:
            return SamplerError(f"{_sampler_name(sampler)}{what}; the study keeps the "
                                f"{plural(len(self.trials), 'trial')} recorded before (SamplerError.study)", self)

        try:
            proposals = sampler.ask(self, self.space, n)
        except Exception as exc:
            raise failed(f".ask raised {type(exc).__name__}: {exc}") from exc
        if not isinstance(proposals, (list, tuple)):
            raise failed(f".ask must return a list of Proposal, got {type(proposals).__name__}")
        checked = []
        for proposal in proposals:
            if not (isinstance(proposal, tuple) and len(proposal) == 2 and isinstance(proposal[1], str)):
                raise failed(f".ask must return Proposal(config, source) items, got {proposal!r}")
            try:
                self.space.validate(proposal[0])
            except ConfigError as exc:
                raise failed(f" proposed a configuration outside the space: {exc}") from exc
            checked.append(Proposal(*proposal))
        return checked


def _sampler_name(sampler: BaseSampler) -> str:
    """The class name of ``sampler``, or of the sampler a warm start hands over to once its configurations
    are used up (as ``tune`` wraps the user's)."""
    while isinstance(sampler, WarmStartSampler) and sampler.used_up:
        sampler = sampler.then
    return type(sampler).__name__


def check_callbacks(callbacks: Any) -> None:
    """Check, before any trial runs, that ``callbacks`` is None or a list (or tuple) of callables.

    Raises
    ------
    ConfigError
        For anything else, a single callable not in a list included.
    """
    if callbacks is None:
        return
    if not isinstance(callbacks, (list, tuple)):
        raise ConfigError(f"callbacks must be a list of callables, got {callbacks!r}"
                          + (f"; give [{getattr(callbacks, '__name__', 'callback')}]" if callable(callbacks) else ""))
    odd = [c for c in callbacks if not callable(c)]
    if odd:
        raise ConfigError(f"callbacks must be callables, callback(study, trial); got {odd[0]!r}")


def _check_budget(objective: Any, sampler: Any, n_trials: Any, timeout: Any, n_jobs: Any) -> int:
    """Validate :meth:`Study.optimize`'s arguments; return the number of parallel jobs."""
    if not callable(objective):
        raise ConfigError("the objective must be callable: objective(config) -> Evaluation")
    if not isinstance(sampler, BaseSampler):
        raise ConfigError(f"sampler must be a BaseSampler, got {type(sampler).__name__}")
    if n_trials is None and timeout is None:
        raise ConfigError("give a budget: n_trials, timeout (seconds), or both")
    if n_trials is not None:
        check_whole(n_trials, "n_trials", 0, " of trials")
    check_timeout(timeout)
    return check_n_jobs(n_jobs)


@dataclass(frozen=True)
class _Bar:
    """What a trial is pruned against: a complete trial's mean score after each fold, and the
    margin below it (that trial's fold-to-fold standard deviation over the root of the folds done).
    A fold left unscored (NaN: a class missing from it, for ROC AUC) is left out, as a trial's
    score leaves it out; before any fold is scored the bar is NaN, which prunes nothing."""

    means: list[float]
    margins: list[float]

    @classmethod
    def of(cls, fold_scores: list[float]) -> _Bar:
        scores = np.asarray(fold_scores, dtype=float)
        scored = ~np.isnan(scores)
        done = np.cumsum(scored)
        spread = float(np.std(scores[scored], ddof=1)) if scored.sum() > 1 else 0.0
        with np.errstate(invalid="ignore"):  # 0 / 0 before the first scored fold: NaN
            means = np.cumsum(np.where(scored, scores, 0.0)) / done
        return cls(means.tolist(), (spread / np.sqrt(np.maximum(done, 1))).tolist())

    @property
    def below(self) -> list[float]:
        """The objective's ``prune_below``."""
        return [m - d for m, d in zip(self.means, self.margins)]

    def estimate(self, partial: float, n_done: int) -> float:
        """A pruned trial's score on the same footing as complete ones: its mean over the folds it
        completed, moved by as much as the bar trial's mean moved over the remaining folds."""
        return partial + self.means[-1] - self.means[n_done - 1]


def _run(objective: Objective, number: int, proposal: Proposal, bar: _Bar | None = None) -> Trial:
    """Evaluate one proposal (pruned against ``bar``, if given); whatever happens, return a trial."""
    trial = Trial(number, dict(proposal.config), proposal.source, started=datetime.now(timezone.utc))
    try:
        evaluation = objective(dict(proposal.config)) if bar is None else objective(dict(proposal.config),
                                                                                  prune_below=bar.below)
        if not isinstance(evaluation, Evaluation):
            raise TypeError(f"the objective must return an Evaluation, got {type(evaluation).__name__}")
        if isinstance(evaluation.score, bool) or not isinstance(evaluation.score, numbers.Real):
            raise TypeError(f"the objective's Evaluation must score {evaluation.metric!r} with a number, "
                            f"got {evaluation.score!r}")
    except Exception as exc:  # a crashing configuration is a failed trial, not the end of the search
        _set_outcome(trial, "failed", math.nan, f"{type(exc).__name__}: {exc}")
    else:
        score = evaluation.score
        if evaluation.status == "pruned" and bar is not None:  # paired with the bar trial's folds
            score = bar.estimate(score, len(evaluation.fold_scores[evaluation.metric]))
        _set_outcome(trial, evaluation.status, score, evaluation.error)
        trial.fit_time, trial.best_iteration = evaluation.fit_time, evaluation.best_iteration
        trial.scores = dict(evaluation.scores)
        trial.fold_scores = list(evaluation.fold_scores.get(evaluation.metric, []))
        if evaluation.oof is not None:  # out-of-fold predictions, for ensembles; tune() prunes them
            trial.user_attrs["oof"] = evaluation.oof
        if evaluation.gradient is not None:  # for the gradient search
            trial.user_attrs["loss"], trial.user_attrs["gradient"] = evaluation.loss, dict(evaluation.gradient)
    trial.finished = datetime.now(timezone.utc)
    return trial


def _died(number: int, proposal: Proposal, death: WorkerDeath, dispatched: datetime) -> Trial:
    """The failed trial of a proposal whose evaluation killed its worker process: started when its batch
    was dispatched, finished when the death was seen."""
    trial = Trial(number, dict(proposal.config), proposal.source, started=dispatched,
                  finished=datetime.now(timezone.utc))
    _set_outcome(trial, "failed", math.nan, str(death))
    return trial


def _check_score(score: Any) -> float:
    """A prior score as a float (NaN for a failed configuration), or a clear error."""
    if isinstance(score, bool) or not isinstance(score, numbers.Real):
        raise ConfigError(f"a prior score must be a number (NaN for a failed configuration), got {score!r}")
    return float(score)


def _set_outcome(trial: Trial, status: str, score: float, error: str) -> None:
    """Set status, score and error, keeping the invariant that a scored trial's score is finite."""
    if status in SCORED and not math.isfinite(score):
        status, error = "failed", error or f"no finite score ({score})"
    trial.status, trial.error = status, error
    trial.score = score if status in SCORED else math.nan
