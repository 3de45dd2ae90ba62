"""Exceptions and warnings raised by metahpo.

Every error a user can cause derives from :class:`MetahpoError`, so that the
command line can print it as one line instead of a traceback; it prints a
:class:`DataWarning` and a :class:`KnowledgeBaseWarning` as one line too. :func:`warn` issues a
warning at the user's line.
"""

import os
import sys
import warnings

_PACKAGE = os.path.join(os.path.dirname(__file__), "")  # with its separator: not a sibling named alike


class MetahpoError(Exception):
    """Base class of every error metahpo raises on bad input."""


class DataError(MetahpoError, ValueError):
    """The dataset cannot be used: empty, malformed, or unsuitable for the task."""


class DataWarning(UserWarning):
    """The dataset can be used, but perhaps not as meant: the message says why, and what to do."""


class ConfigError(MetahpoError, ValueError):
    """A setting is not valid: a configuration outside its search space, or an argument (a
    budget, a metric, a seed, a sampler, ...) that cannot be used."""


class _SearchFailure(MetahpoError, RuntimeError):
    """A search ended by a failure of its own machinery, not of a trial: what
    :class:`SamplerError` and :class:`CallbackError` share.

    Attributes
    ----------
    study : Study or None
        The failing search's study, with every trial recorded (see each subclass).
    studies : dict
        From :func:`metahpo.tune`: every family's study searched so far, by name, the failing
        one's included (empty otherwise).
    """

    def __init__(self, message: str, study: object = None) -> None:
        super().__init__(message)
        self.study = study
        self.studies: dict[str, object] = {}


class SamplerError(_SearchFailure):
    """A sampler failed, or proposed something that is not a configuration of the space; its
    ``study`` is the one it was proposing for, with every trial recorded before the failure."""


class CallbackError(_SearchFailure):
    """A callback raised after a trial, which ends the search (the callback's exception is its
    ``__cause__``); its ``study`` is the one the callback was called from, with every trial
    recorded, the one it was called with included."""


class KnowledgeBaseError(MetahpoError, ValueError):
    """A knowledge base is missing, corrupt, or does not fit the request."""


class KnowledgeBaseWarning(UserWarning):
    """A knowledge base can be read, but perhaps not as meant: the message says why, and what to do."""


def warn(message: str, category: type[Warning]) -> None:
    """Issue a warning attributed to the first frame outside metahpo (as pandas'
    ``find_stack_level`` does), so that it names the user's line, and filters on the user's module
    match it, whichever path of metahpo's own calls raised it."""
    frame, level = sys._getframe(), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
