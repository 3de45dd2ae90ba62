"""Ensembles of the best configurations of a search.

Two ways to weight the members, both ending in scikit-learn's own
:class:`~sklearn.ensemble.VotingClassifier` (soft voting) or
:class:`~sklearn.ensemble.VotingRegressor` (averaging), so that the result is an ordinary
estimator: ``predict``, ``predict_proba``, ``get_params``, and saving with joblib all work.

* ``"vote"``: the top ``k`` configurations, equal weights;
* ``"greedy"``: greedy ensemble selection with replacement (Caruana et al., 2004) on the
  out-of-fold predictions the search kept: start empty, repeatedly add the candidate (a member
  may be added again) that most improves the ensemble's out-of-fold score; the weights are how
  often each was added. Classifiers are selected on log loss whatever the metric: a proper
  scoring rule rewards better probabilities smoothly, where ranking or counting metrics (ROC AUC,
  accuracy) move in steps that a few hundred out-of-fold rows make noisy. An ensemble whose
  out-of-fold score on the metric falls below the search's best trial's is replaced by that
  trial alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from metahpo.evaluation import METRICS, make_estimator, score_predictions
from metahpo.exceptions import ConfigError
from metahpo.search import Trial
from metahpo.spaces import LIGHTGBM, Config, SearchSpace, early_stopped

GREEDY_ROUNDS = 25
"""Additions made by greedy selection (with replacement)."""


@dataclass
class EnsembleSpec:
    """Which configurations, with which weights, and what the out-of-fold predictions promise.

    Attributes
    ----------
    members : list of dict
        The parameters of each member, as its family hands them out (for LightGBM,
        ``n_estimators`` included).
    weights : list of float
        Their weights, summing to 1.
    method : {"vote", "greedy"}
    oof_score : float
        The ensemble's out-of-fold score (``metric``), NaN for "vote" without predictions.
    single_best_oof_score : float
        The out-of-fold score of the search's best trial alone, the model an ensemble competes
        with (for "greedy", never above ``oof_score``).
    metric : str
    families : list of str
        Each member's model family; LightGBM's for every member when empty (as ensembles were
        saved before there were other families).
    """

    members: list[Config]
    weights: list[float]
    method: str
    oof_score: float
    single_best_oof_score: float
    metric: str
    families: list[str] = field(default_factory=list)

    @property
    def member_families(self) -> list[str]:
        """The family of each member."""
        return self.families or [LIGHTGBM.family] * len(self.members)


def select(trials: Sequence[Trial], k: int, task: str, y: np.ndarray | None = None, *,
           method: str = "greedy", metric: str | None = None, random_state: int = 0,
           space: SearchSpace | Sequence[SearchSpace] = LIGHTGBM, growth: float = 1.0) -> EnsembleSpec:
    """Choose members and weights from the ok trials of a search.

    Parameters
    ----------
    trials : sequence of Trial
        The search's trials (of one family, or of several searched on the same folds); for
        ``"greedy"``, those with out-of-fold predictions (``trial.user_attrs["oof"]``) are the
        candidates.
    k : int
        For ``"vote"``, the number of members; for ``"greedy"``, the number of best trials of
        each family that are candidates.
    task : str
    y : ndarray, optional
        The target as class codes (classification) or floats; needed for ``"greedy"``.
    method : {"greedy", "vote"}
    metric : str, optional
        One of the task's :data:`~metahpo.evaluation.METRICS`, on which out-of-fold predictions
        are scored; default, and for any other metric: the task's first (``EnsembleSpec.metric``
        says which).
    random_state : int
        The seed the members are refitted with (part of their parameters).
    space : SearchSpace or sequence of SearchSpace
        The space of each family the trials belong to (``trial.family``).
    growth : float
        The members' rounds are the trials' times this (:func:`final_params`).
    """
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ConfigError(f"the ensemble size must be a positive integer, got {k!r}")
    metric = metric if metric in METRICS[task] else METRICS[task][0]
    spaces = _spaces_of({t.family for t in trials}, space, "trials")
    ok = sorted((t for t in trials if t.ok), key=lambda t: t.score, reverse=True)
    if not ok:
        raise ConfigError("no successful trial to build an ensemble from")
    if method == "vote":
        top = ok[:k]
        return EnsembleSpec([final_params(t, random_state, spaces[t.family], growth) for t in top],
                            [1.0 / len(top)] * len(top),
                            "vote", float("nan"), float("nan"), metric, [t.family for t in top])
    if method != "greedy":
        raise ConfigError(f"unknown ensemble method {method!r}; choose greedy or vote")
    with_oof = [t for t in ok if t.user_attrs.get("oof") is not None]
    per_family = ([t for t in with_oof if t.family == family][:k] for family in spaces)
    candidates = sorted(chain(*per_family), key=lambda t: t.score, reverse=True)
    if not candidates or y is None:
        raise ConfigError("greedy selection needs out-of-fold predictions: run the search with ensemble=k")
    n_classes = 0 if task == "regression" else int(candidates[0].user_attrs["oof"].shape[1])
    preds = [np.asarray(t.user_attrs["oof"], dtype=float) for t in candidates]

    criterion = metric if task == "regression" else "neg_log_loss"

    def score(pred: np.ndarray, name: str = criterion) -> float:
        return score_predictions(task, y, pred, n_classes)[name]

    counts = np.zeros(len(preds), dtype=int)
    total = np.zeros_like(preds[0])
    best_counts, best_score = None, -np.inf
    for step in range(1, GREEDY_ROUNDS + 1):
        gains = [score((total + p) / step) for p in preds]
        j = int(np.argmax(gains))
        counts[j] += 1
        total += preds[j]
        if gains[j] > best_score + 1e-12:
            best_score, best_counts = gains[j], counts.copy()
    used = np.flatnonzero(best_counts)
    weights = best_counts[used] / best_counts.sum()
    best_alone = score(preds[0], metric)  # the search's best trial, the model tune returns without an ensemble
    blended = score(sum(w * preds[i] for i, w in zip(used, weights)), metric)
    if blended < best_alone:  # the metric disagrees with log loss: keep the best trial alone
        used, weights, blended = np.array([0]), np.ones(1), best_alone
    members = [candidates[i] for i in used]
    return EnsembleSpec([final_params(t, random_state, spaces[t.family], growth) for t in members], weights.tolist(),
                        "greedy", float(blended), float(best_alone), metric, [t.family for t in members])


def build(spec: EnsembleSpec, task: str, *, random_state: int | None = None, n_jobs: int = 1,
          space: SearchSpace | Sequence[SearchSpace] | None = None) -> Any:
    """An unfitted scikit-learn voting ensemble of ``spec``'s members (soft voting / averaging),
    each its family's estimator, seeded with ``random_state``, else with the seed its parameters
    hold (the tuned one: the model ``tune`` returned); ``space`` as for :func:`select` (default:
    each family's own space for ``task``)."""
    from sklearn.ensemble import VotingClassifier, VotingRegressor

    spaces = {} if space is None else _spaces_of(set(spec.member_families), space, "members")
    estimators = [(f"member{i}", make_estimator(p, task, family=family, space=spaces.get(family),
                                                random_state=random_state, n_jobs=n_jobs))
                  for i, (p, family) in enumerate(zip(spec.members, spec.member_families))]
    if task == "regression":
        return VotingRegressor(estimators, weights=spec.weights)
    return VotingClassifier(estimators, voting="soft", weights=spec.weights)


def _spaces_of(families: set[str], space: SearchSpace | Sequence[SearchSpace], what: str) -> dict[str, SearchSpace]:
    """``space`` (one or several) by family, with an error if one of ``families`` has none."""
    spaces = {s.family: s for s in ([space] if isinstance(space, SearchSpace) else space)}
    unknown = families - set(spaces)
    if unknown:
        raise ConfigError(f"{what} of the {', '.join(sorted(unknown))} family without its space; "
                          f"spaces given: {', '.join(spaces)}")
    return spaces


def final_params(trial: Trial, random_state: int = 0, space: SearchSpace = LIGHTGBM,
                 growth: float = 1.0) -> dict[str, Any]:
    """A trial's configuration as the family's parameters for a refit, with the rounds early
    stopping chose in a family with rounds, times ``growth`` (at least one round) for a refit on
    more rows than a fold trained on (:func:`metahpo.tuning.refit_growth`; see
    :meth:`SearchSpace.estimator_params <metahpo.spaces.SearchSpace.estimator_params>`)."""
    if space.max_rounds is None:
        return space.estimator_params(trial.config, random_state=random_state)
    if trial.best_iteration and "n_estimators" not in trial.config:
        rounds = max(1, round(trial.best_iteration * growth))
    else:  # a trial of fixed rounds (or of none recorded) keeps them, the model it scored
        rounds = int(trial.config.get("n_estimators", 100))
    return space.estimator_params(early_stopped(trial.config), n_estimators=rounds, random_state=random_state)
