"""Model families: what metahpo tunes.

A family (:class:`~metahpo.families.base.ModelFamily`) is its search space, its estimator factory
(preprocessing included), its fixed settings (the space's) and how one cross-validation fold is
fitted. :func:`metahpo.evaluation.evaluate`, :func:`metahpo.tune` and the ensembles take a family
by name and dispatch through it, so none of them names one.

* ``"lightgbm"``: LightGBM's classifier and regressor, early-stopped (:mod:`.lightgbm`);
* ``"linear"``: logistic regression and ridge regression behind a preprocessing pipeline, with
  hypergradients of the cross-validated loss (:mod:`.linear`).

Adding a family is one module defining a :class:`ModelFamily` instance named ``FAMILY``, and one
line in :data:`FAMILIES`. Family modules import their model library only when they build an
estimator, so looking a family (or its space) up stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

from metahpo.exceptions import ConfigError
from metahpo.families.base import FitTimeout, ModelFamily

FAMILIES: dict[str, str] = {
    "lightgbm": "metahpo.families.lightgbm",
    "linear": "metahpo.families.linear",
}
"""Each family's name and the module holding it (as ``FAMILY``)."""


def get_family(family: str | ModelFamily) -> ModelFamily:
    """The family of that name (or ``family`` itself when it is one), with a clear error otherwise."""
    if isinstance(family, ModelFamily):
        return family
    if not isinstance(family, str) or family not in FAMILIES:
        raise ConfigError(f"unknown model family {family!r}; known: {', '.join(FAMILIES)}")
    found: Any = importlib.import_module(FAMILIES[family]).FAMILY
    return found


__all__ = ["FAMILIES", "FitTimeout", "ModelFamily", "get_family"]
