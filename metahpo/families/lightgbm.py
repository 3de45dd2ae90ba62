"""The LightGBM family: LightGBM's classifier and regressor, early-stopped on each fold's validation part.

Its space is :data:`metahpo.spaces.LIGHTGBM` (where the knowledge base has always read it). The
parameters metahpo hands out are LightGBM's own keyword arguments: ``LGBMClassifier(**params)``
is the model metahpo evaluated.
"""

from __future__ import annotations

import functools
import inspect
import math
import re
import time
from typing import Any

import numpy as np

from metahpo.families.base import FitTimeout, ModelFamily
from metahpo.spaces import LIGHTGBM, Config, SearchSpace

MIN_PATIENCE = 30
PATIENCE_LR = 10.0
"""Early stopping waits ``max(MIN_PATIENCE, PATIENCE_LR / learning_rate)`` rounds (at most the cap)
without a better validation loss: 30 rounds at learning rate 0.3, 100 at 0.1, 1,000 at 0.01.
A fixed patience of 30 stopped slow learners long before their best round; replayed on full
1,000-round curves of 288 models on 48 dev datasets of both corpora, this rule lowered the test regret
against each model's best round from 0.033 to 0.030 (53 models better, 23 worse) for 1.8 times the
rounds (``scripts/benchmark_stopping.py``, docs/benchmarks.md)."""


def patience(config: Config, space: SearchSpace = LIGHTGBM) -> int:
    """Rounds early stopping waits for a better validation loss: tied to the learning rate (see
    :data:`PATIENCE_LR`), so that a slow learner is not stopped before it has learned."""
    rate = float(config.get("learning_rate", 0.0) or 0.0)
    wait = PATIENCE_LR / rate if rate > 0 else MIN_PATIENCE
    return int(min(space.max_rounds, max(MIN_PATIENCE, math.ceil(wait))))


@functools.cache
def parameter_names() -> dict[str, frozenset[str]]:
    """Each parameter name LightGBM's scikit-learn estimators accept, mapped to all names of that
    parameter (its aliases: ``reg_lambda``, ``lambda_l2`` and ``lambda`` are one parameter)."""
    import lightgbm as lgb
    from lightgbm.basic import _ConfigAliases  # private, but LightGBM's own table of parameters

    names = {name: frozenset([name]) for name in inspect.signature(lgb.LGBMModel.__init__).parameters
             if name not in ("self", "kwargs")}
    for aliases in _ConfigAliases._get_all_param_aliases().values():
        names.update(dict.fromkeys(aliases, frozenset(aliases)))
    return names


@functools.cache
def constructor_defaults() -> dict[str, Any]:
    """LightGBM's scikit-learn estimators' own defaults, by argument (``max_depth`` -1, ...; those
    that are None left out): a setting at its default is what a configuration trains with."""
    import lightgbm as lgb

    return {name: p.default for name, p in inspect.signature(lgb.LGBMModel.__init__).parameters.items()
            if name not in ("self", "kwargs") and p.default is not None}


@functools.cache
def library_defaults() -> dict[str, str]:
    """LightGBM's default of each of its parameters, under every name of it (its aliases), as the
    text a trained model lists it with (``max_depth`` "-1", ``is_unbalance`` "0",
    ``monotone_constraints`` ""): read from LightGBM's own record of the settings a one-round model
    on four rows trained with. Arguments of the scikit-learn estimators alone (``class_weight``,
    ``importance_type``) are not listed."""
    import lightgbm as lgb

    rows = np.arange(8.0).reshape(4, 2)
    model = lgb.train({"verbose": -1}, lgb.Dataset(rows, label=rows[:, 0]), num_boost_round=1).model_to_string()
    listed = model[model.index("parameters:"):model.index("end of parameters")]
    defaults = dict(re.findall(r"^\[(\w+): (.*)\]$", listed, flags=re.MULTILINE))
    return {alias: text for name, text in defaults.items() for alias in parameter_names().get(name, (name,))}


@functools.cache
def canonical_names() -> dict[str, str]:
    """Each name :func:`parameter_names` holds, mapped to the one name its parameter has in
    LightGBM's scikit-learn estimators: their argument where they have one (``eta`` is
    ``learning_rate``, ``lambda_l2`` is ``reg_lambda``, ``seed`` is ``random_state``), else
    LightGBM's main name (``max_bins`` is ``max_bin``). Only under that name is a value sure to be
    trained with: the estimators pass every argument, defaults included, and LightGBM prefers
    some of them to an alias (``LGBMClassifier(eta=0.05)`` trains at ``learning_rate`` 0.1)."""
    import lightgbm as lgb
    from lightgbm.basic import _ConfigAliases

    arguments = [name for name in inspect.signature(lgb.LGBMModel.__init__).parameters
                 if name not in ("self", "kwargs")]
    canonical = {name: name for name in arguments}
    for main, aliases in _ConfigAliases._get_all_param_aliases().items():
        canonical.update(dict.fromkeys(aliases, next((name for name in arguments if name in aliases), main)))
    return canonical


def known_classes(y_train: np.ndarray, y_valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which validation rows have a class the training part holds, and their classes numbered as
    LightGBM numbers the training part's (0 to K-1): LightGBM encodes the training labels it sees
    but not ``eval_y``, and early stopping cannot score a class the model never saw."""
    seen = np.unique(y_train)
    known = np.isin(y_valid, seen)
    return known, np.searchsorted(seen, y_valid[known])


class LightGBMFamily(ModelFamily):
    """LightGBM (``LGBMClassifier`` / ``LGBMRegressor``). A configuration without ``n_estimators``
    is trained with early stopping on the fold's validation part (:func:`patience`)."""

    name = "lightgbm"
    space = LIGHTGBM
    stops_early = True

    def make_estimator(self, params: dict[str, Any], task: str, *, n_jobs: int = 1) -> Any:
        import lightgbm as lgb

        cls = lgb.LGBMRegressor if task == "regression" else lgb.LGBMClassifier
        return cls(**params, n_jobs=n_jobs)

    def fit(self, model: Any, X_train: Any, y_train: np.ndarray, X_valid: Any, y_valid: np.ndarray, *,
            config: Config, deadline: float, early_stopping_rounds: int | None = None) -> None:
        import lightgbm as lgb

        def stop_at_deadline(env: Any) -> None:
            if time.perf_counter() > deadline:
                raise FitTimeout

        callbacks = [] if math.isinf(deadline) else [stop_at_deadline]
        if "n_estimators" in config:
            model.fit(X_train, y_train, callbacks=callbacks)
            return
        wait = early_stopping_rounds or patience(config, self.space)
        callbacks.append(lgb.early_stopping(wait, first_metric_only=True, verbose=False))
        if isinstance(model, lgb.LGBMClassifier):
            known, y_valid = known_classes(y_train, y_valid)
            X_valid = X_valid[known]
        model.fit(X_train, y_train, eval_X=X_valid, eval_y=y_valid, callbacks=callbacks)


FAMILY = LightGBMFamily()
