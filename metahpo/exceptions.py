"""Exceptions raised by metahpo.

Every error a user can cause derives from :class:`MetahpoError`, so that the
command line can print it as one line instead of a traceback.
"""


class MetahpoError(Exception):
    """Base class of every error metahpo raises on bad input."""


class DataError(MetahpoError, ValueError):
    """The dataset cannot be used: empty, malformed, or unsuitable for the task."""


class ConfigError(MetahpoError, ValueError):
    """A hyperparameter configuration is not valid for its search space."""


class KnowledgeBaseError(MetahpoError, ValueError):
    """A knowledge base is missing, corrupt, or does not fit the request."""
