"""metahpo: hyperparameter tuning of tabular models made nearly free by remembering.

A knowledge base of past tuning runs, indexed by dataset meta-features, recommends starting
configurations for a new dataset; a short local search refines them.

Modules by stage, in the order data flows (a module imports from its own stage and earlier ones
only; tests/test_architecture.py holds the list):

* foundations: ``exceptions``, ``progress``, ``parallel``, ``cache``, ``files``, ``spaces``,
  ``landmarkers``, ``threads``;
* dataset: ``datasets``, ``openml_source``;
* model families and their evaluation: ``families``, ``evaluation``;
* meta-features: ``metafeatures``;
* knowledge base: ``knowledge_base``, ``openml_runs``;
* recommendations: ``recommendations``, ``holdout``;
* search: the ``search`` package (samplers and the study);
* model: ``estimators``, ``ensemble``;
* workflows that run the stages before them: ``tuning`` (``tune``), ``build`` (``kb build``);
* interfaces: ``batch``, ``cli``, ``integrations``.

The public names are imported on first use, so ``import metahpo`` (and ``metahpo --help``) stays
instant: numpy, pandas, scikit-learn and LightGBM load with the first call that needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_PUBLIC = {
    "CallbackError": "metahpo.exceptions",
    "ConfigError": "metahpo.exceptions",
    "DataError": "metahpo.exceptions",
    "DataWarning": "metahpo.exceptions",
    "KnowledgeBaseError": "metahpo.exceptions",
    "MetahpoError": "metahpo.exceptions",
    "SamplerError": "metahpo.exceptions",
    "Dataset": "metahpo.datasets",
    "load": "metahpo.datasets",
    "KnowledgeBase": "metahpo.knowledge_base",
    "Recommendation": "metahpo.recommendations",
    "recommend": "metahpo.recommendations",
    "TuneResult": "metahpo.tuning",
    "tune": "metahpo.tuning",
    "MetaLGBMClassifier": "metahpo.estimators",
    "MetaLGBMRegressor": "metahpo.estimators",
    "MetaClassifier": "metahpo.estimators",
    "MetaRegressor": "metahpo.estimators",
}

__all__ = [
    "CallbackError",
    "ConfigError",
    "DataError",
    "DataWarning",
    "Dataset",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "MetaClassifier",
    "MetaLGBMClassifier",
    "MetaLGBMRegressor",
    "MetaRegressor",
    "MetahpoError",
    "Recommendation",
    "SamplerError",
    "TuneResult",
    "__version__",
    "load",
    "recommend",
    "tune",
]

if TYPE_CHECKING:
    from metahpo.datasets import Dataset, load
    from metahpo.estimators import MetaClassifier, MetaLGBMClassifier, MetaLGBMRegressor, MetaRegressor
    from metahpo.exceptions import (CallbackError, ConfigError, DataError, DataWarning, KnowledgeBaseError,
                                    MetahpoError, SamplerError)
    from metahpo.knowledge_base import KnowledgeBase
    from metahpo.recommendations import Recommendation, recommend
    from metahpo.tuning import TuneResult, tune


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'metahpo' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
