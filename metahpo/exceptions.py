"""Exceptions and warnings raised by metahpo.

Every error a user can cause derives from :class:`MetahpoError`, so that the
command line can print it as one line instead of a traceback; it prints a
:class:`DataWarning` and a :class:`KnowledgeBaseWarning` as one line too.
"""


class MetahpoError(Exception):
    """Base class of every error metahpo raises on bad input."""


class DataError(MetahpoError, ValueError):
    """The dataset cannot be used: empty, malformed, or unsuitable for the task."""


class DataWarning(UserWarning):
    """The dataset can be used, but perhaps not as meant: the message says why, and what to do."""


class ConfigError(MetahpoError, ValueError):
    """A setting is not valid: a configuration outside its search space, or an argument (a
    budget, a metric, a seed, a sampler, ...) that cannot be used."""


class SamplerError(MetahpoError, RuntimeError):
    """A sampler failed, or proposed something that is not a configuration of the space.

    Attributes
    ----------
    study : Study or None
        The study it was proposing for, with every trial recorded before the failure.
    studies : dict
        From :func:`metahpo.tune`: every family's study searched so far, by name, the failing
        one's included (empty otherwise).
    """

    def __init__(self, message: str, study: object = None) -> None:
        super().__init__(message)
        self.study = study
        self.studies: dict[str, object] = {}


class CallbackError(MetahpoError, RuntimeError):
    """A callback raised after a trial, which ends the search (the callback's exception is its
    ``__cause__``).

    Attributes
    ----------
    study : Study or None
        The study the callback was called from, with every trial recorded, the one it was called
        with included.
    studies : dict
        From :func:`metahpo.tune`: every family's study searched so far, by name, the failing
        one's included (empty otherwise).
    """

    def __init__(self, message: str, study: object = None) -> None:
        super().__init__(message)
        self.study = study
        self.studies: dict[str, object] = {}


class KnowledgeBaseError(MetahpoError, ValueError):
    """A knowledge base is missing, corrupt, or does not fit the request."""


class KnowledgeBaseWarning(UserWarning):
    """A knowledge base can be read, but perhaps not as meant: the message says why, and what to do."""
