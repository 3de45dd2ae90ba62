"""metahpo: hyperparameter tuning of tabular models made nearly free by remembering.

A knowledge base of past tuning runs, indexed by dataset meta-features, recommends starting
configurations for a new dataset; a short local search refines them.
"""

__version__ = "0.1.0"

from metahpo.datasets import Dataset, load  # noqa: E402
from metahpo.exceptions import ConfigError, DataError, KnowledgeBaseError, MetahpoError  # noqa: E402
from metahpo.estimators import MetaLGBMClassifier, MetaLGBMRegressor  # noqa: E402
from metahpo.knowledge_base import KnowledgeBase  # noqa: E402
from metahpo.recommend import Recommendation, recommend  # noqa: E402
from metahpo.tune import TuneResult, tune  # noqa: E402

__all__ = [
    "ConfigError",
    "DataError",
    "Dataset",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "MetaLGBMClassifier",
    "MetaLGBMRegressor",
    "MetahpoError",
    "Recommendation",
    "TuneResult",
    "__version__",
    "load",
    "recommend",
    "tune",
]
