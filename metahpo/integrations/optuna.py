"""Warm-start an existing Optuna study with metahpo's recommendations.

Users keep their tool and their objective, and gain the memory::

    study = optuna.create_study(direction="maximize")
    metahpo.integrations.optuna.warm_start(study, "data.csv", target="label", n=5)
    study.optimize(objective, n_trials=30)

Each recommended configuration is enqueued with :meth:`optuna.study.Study.enqueue_trial`; the
objective's ``trial.suggest_*`` calls then return the recommended values for parameters of the
same name (LightGBM's scikit-learn names: ``learning_rate``, ``num_leaves``, ...,
``n_estimators``). Parameters the objective does not suggest are ignored by Optuna.

The settings metahpo fixes for every configuration it evaluated (``subsample_freq=1``, without
which LightGBM ignores ``subsample``; the seed; the verbosity) are not searched, so Optuna does not
suggest them. The study carries them as ``study.user_attrs["metahpo_fixed"]`` (each enqueued trial
too, as ``trial.user_attrs["metahpo_fixed"]``), and an objective that builds
``LGBMClassifier(**trial.study.user_attrs["metahpo_fixed"], **trial.params)`` trains the models the
knowledge base scored for the enqueued trials, and for the trials Optuna samples the models of the
same space (a sampled ``subsample`` is then a bagging fraction, as metahpo's).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from metahpo.datasets import load
from metahpo.evaluation import check_whole
from metahpo.exceptions import ConfigError
from metahpo.knowledge_base import KnowledgeSource, resolve
from metahpo.recommendations import Recommendation, recommend, with_holdout_rounds
from metahpo.spaces import LIGHTGBM, SearchSpace


def warm_start(
    study: Any,
    data: Any,
    y: Any = None,
    *,
    n: int = 5,
    target: str | None = None,
    task: str | None = None,
    knowledge_base: KnowledgeSource | None = None,
    strategy: str = "auto",
    include_n_estimators: bool = True,
) -> Recommendation:
    """Enqueue the top ``n`` recommendations for ``data`` into an Optuna ``study``.

    Parameters
    ----------
    study : optuna.study.Study
        Should maximize a greater-is-better score, or minimize a loss: the order of trials does
        not depend on the direction.
    data, y, target, task
        The dataset, as :func:`metahpo.load` takes it.
    n : int
        How many configurations to enqueue, at least 1.
    knowledge_base, strategy
        As for :func:`metahpo.recommend`, except that the shipped knowledge base warm-starts the
        study without its zero-shot part, as it does :func:`metahpo.tune`'s search.
    include_n_estimators : bool
        Enqueue the number of rounds too, found on ``data`` by early stopping on a hold-out (one
        fit per configuration, as :func:`metahpo.recommend` finds them, but without its check
        against LightGBM's defaults: they lie outside the search space's ranges, e.g.
        ``reg_alpha=0`` on a log scale). Without it, no model is trained (drop the rounds if the
        objective early-stops).

    Returns
    -------
    Recommendation
        What was enqueued, in order: the first ``n`` recommendations within the search ranges of
        metahpo's space (LightGBM's defaults, which the knowledge base's pool holds, have
        ``reg_alpha=0``, which a log-scale ``suggest_float`` refuses).
    """
    try:
        import optuna
    except ImportError:
        raise ConfigError("the Optuna integration needs Optuna: pip install 'metahpo[optuna]'") from None
    if not isinstance(study, optuna.study.Study):
        raise ConfigError(f"study must be an optuna.study.Study, got {type(study).__name__}")
    n = check_whole(n, "n", 1, " of configurations to enqueue")
    dataset = load(data, y, target=target, task=task)
    space = LIGHTGBM
    rec = recommend(dataset, n=2 * n + 2, knowledge_base=resolve(knowledge_base, "lightgbm"), strategy=strategy,
                    rounds="recommended")
    searchable = [c for c in rec.configs if _in_ranges(space, c.params)][:n]  # not LightGBM's defaults (reg_alpha=0)
    rec = replace(rec, configs=searchable)
    if include_n_estimators:
        rec = with_holdout_rounds(rec, dataset, check_default=False)
    study.set_user_attr("metahpo_fixed", {k: v for k, v in space.estimator_params(space.default).items()
                                          if k not in space.names and k != "n_estimators"})  # the space's, the seed
    for config in rec.configs:
        searched = space.config_of(config.params)
        params = {k: v for k, v in searched.items() if include_n_estimators or k != "n_estimators"}
        fixed = {k: v for k, v in config.params.items() if k not in searched}
        study.enqueue_trial(params, user_attrs={"metahpo_config_id": config.config_id, "metahpo_fixed": fixed},
                            skip_if_exists=True)
    return rec


def _in_ranges(space: SearchSpace, params: dict[str, Any]) -> bool:
    """Whether every searched parameter of ``params`` lies within ``space``'s search range."""
    return all(p.low <= params[p.name] <= p.high for p in space.params if p.name in params and p.choices is None)
