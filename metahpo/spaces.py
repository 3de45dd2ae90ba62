"""Search spaces as data.

A :class:`SearchSpace` is a model family plus a tuple of :class:`Param` s. Each parameter knows its
search range, whether it lives on a log scale, and the wider set of values the model accepts (or,
for a categorical parameter, its choices), so that a space can

* encode a configuration to the unit cube and decode it back (:meth:`SearchSpace.encode`,
  :meth:`SearchSpace.decode`), which is where samplers and surrogates work;
* sample configurations (:meth:`SearchSpace.sample`);
* validate a configuration a user wrote (:meth:`SearchSpace.validate`), with an error that names
  the offending parameter.

The number of boosting rounds is not a searched parameter: a configuration without
``n_estimators`` is trained with early stopping, which picks it; a configuration with
``n_estimators`` is trained for exactly that many rounds (as LightGBM's defaults are). A family
without rounds (``max_rounds=None``) takes no ``n_estimators``.
A space is data; a model family (:mod:`metahpo.families`) pairs it with an estimator factory.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from metahpo.exceptions import ConfigError
from metahpo.progress import plural

Config = dict[str, Any]


@dataclass(frozen=True)
class Param:
    """One hyperparameter.

    Parameters
    ----------
    name : str
        The estimator's keyword argument.
    low, high : float
        The search range.
    log : bool
        Search on a log scale.
    integer : bool
        Round decoded values to integers.
    valid_low, valid_high : float, optional
        What the estimator accepts, when wider than the search range (a configuration a user
        gives may lie outside the search range; it is clipped when encoded).
    choices : tuple, optional
        The values of a categorical parameter, instead of a range. Choice ``i`` of ``k`` is
        encoded as the middle of the ``i``-th of ``k`` equal slices of [0, 1], so a sampler's
        point decodes to the choice whose slice holds it.

    Examples
    --------
    >>> Param("alpha", 1e-4, 1e4, log=True)  # doctest: +SKIP
    >>> Param("expansion", choices=("none", "spline", "quantile"))  # doctest: +SKIP
    """

    name: str
    low: float = math.nan
    high: float = math.nan
    log: bool = False
    integer: bool = False
    valid_low: float | None = None
    valid_high: float | None = None
    choices: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        if self.choices is None:
            if not self.low < self.high:  # NaN (no range given) fails this too
                raise ConfigError(f"parameter {self.name!r} needs a range low < high or choices, "
                                  f"got low={self.low!r}, high={self.high!r}")
            if math.isinf(self.low) or math.isinf(self.high):
                raise ConfigError(f"parameter {self.name!r} needs a finite range, got low={self.low!r}, "
                                  f"high={self.high!r}")
            if self.log and not self.low > 0:
                raise ConfigError(f"parameter {self.name!r} is searched on a log scale, so its range must be "
                                  f"positive; got low={self.low!r}")
            if self.integer and math.ceil(self.low) > math.floor(self.high):
                raise ConfigError(f"integer parameter {self.name!r} has no whole number in its range "
                                  f"[{self.low!r}, {self.high!r}]")
            return
        if not isinstance(self.choices, tuple) or not self.choices:
            raise ConfigError(f"the choices of {self.name!r} must be a non-empty tuple, got {self.choices!r}")
        odd = [c for c in self.choices if isinstance(c, bool) or not isinstance(c, (str, int, float, np.number))]
        if odd:
            raise ConfigError(f"the choices of {self.name!r} must be numbers or text; {', '.join(map(repr, odd))} "
                              f"{'is' if len(odd) == 1 else 'are'} neither (write True/False as 1/0 or text)")
        if len(set(self.choices)) != len(self.choices):
            raise ConfigError(f"the choices of {self.name!r} repeat a value: {self.choices!r}")
        if not (math.isnan(self.low) and math.isnan(self.high)) or self.log or self.integer:
            raise ConfigError(f"categorical parameter {self.name!r} takes choices, not a range, log or integer")

    @property
    def categorical(self) -> bool:
        """Whether the parameter takes one of :attr:`choices`."""
        return self.choices is not None

    def encode(self, value: Any) -> float:
        if self.choices is not None:
            return (self.choices.index(value) + 0.5) / len(self.choices)
        value = min(max(float(value), self.low), self.high)
        if self.log:
            return (math.log(value) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        return (value - self.low) / (self.high - self.low)

    def decode(self, u: float) -> Any:
        """The value at ``u`` of the unit interval, within [low, high] whatever the rounding; an integer
        parameter's is rounded, so each end of its range takes half a step of the interval (as the
        knowledge base's encodings assume)."""
        u = min(max(float(u), 0.0), 1.0)
        if self.choices is not None:
            return self.choices[min(int(u * len(self.choices)), len(self.choices) - 1)]
        if self.log:
            value = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            value = self.low + u * (self.high - self.low)
        if self.integer:  # the whole numbers of [low, high], whatever its ends
            return int(min(max(round(value), math.ceil(self.low)), math.floor(self.high)))
        return float(min(max(value, self.low), self.high))  # exp(log(high)) may overshoot high

    def check(self, value: Any) -> None:
        if self.choices is not None:
            if isinstance(value, bool) or not any(_same(value, c) for c in self.choices):
                raise ConfigError(f"{self.name}={value!r} is not one of {', '.join(map(repr, self.choices))}")
            return
        lo = self.low if self.valid_low is None else self.valid_low
        hi = self.high if self.valid_high is None else self.valid_high
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ConfigError(f"{self.name} must be a number, got {value!r}")
        if not lo <= value <= hi:  # NaN fails this too, and a whole number too large for a float
            raise ConfigError(f"{self.name}={value!r} is outside its valid range [{lo:g}, {hi:g}]")
        if self.integer and float(value) != int(value):
            raise ConfigError(f"{self.name} must be a whole number, got {value!r}")


@dataclass(frozen=True)
class SearchSpace:
    """A model family's hyperparameters, its fixed settings, and its reference default.

    Parameters
    ----------
    family : str
        Name of the model family, e.g. ``"lightgbm"``.
    version : str
        Changes whenever the ranges change, so a knowledge base can tell which space it holds.
    params : tuple of Param
        The searched hyperparameters.
    fixed : dict
        Settings applied to every configuration (verbosity, bagging frequency, ...).
    default : dict
        The family's library defaults, as a configuration (a rival every benchmark reports).
    max_rounds : int or None
        The cap on boosting rounds when early stopping picks their number; None for a family
        without rounds (its configurations take no ``n_estimators``).
    leaf_rows : str, optional
        The parameter setting the fewest training rows a leaf holds, if the family has one.
    min_leaves : int
        The smallest trees the space searches; see :meth:`fits`.
    """

    family: str
    version: str
    params: tuple[Param, ...]
    fixed: dict[str, Any]
    default: Config
    max_rounds: int | None = 1000
    leaf_rows: str | None = None
    min_leaves: int = 2

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.params]

    @property
    def dim(self) -> int:
        return len(self.params)

    def encode(self, config: Config) -> np.ndarray:
        """Map a configuration to a point of the unit cube (parameters in :attr:`names` order)."""
        self.validate(config)
        return np.array([p.encode(config[p.name]) for p in self.params])

    def decode(self, u: np.ndarray) -> Config:
        """Map a point of the unit cube to a configuration."""
        u = np.asarray(u, dtype=float).ravel()
        if u.shape != (self.dim,):
            raise ConfigError(f"expected a point of dimension {self.dim}, got shape {u.shape}")
        if not np.isfinite(u).all():
            raise ConfigError(f"a point of the unit cube must be finite, got {u.tolist()}")
        return {p.name: p.decode(x) for p, x in zip(self.params, u)}

    def sample(self, n: int, random_state: int | np.random.Generator | None = None) -> list[Config]:
        """Draw ``n`` configurations uniformly in the encoded cube (log-uniform where ``log``)."""
        rng = np.random.default_rng(random_state)
        return [self.decode(u) for u in rng.random((n, self.dim))]

    def validate(self, config: Config) -> Config:
        """Return ``config`` if every searched parameter is present and valid, else raise ConfigError.

        ``n_estimators`` (a fixed number of rounds) is accepted too, in a space with rounds.
        """
        if not isinstance(config, dict):
            raise ConfigError(f"a configuration must be a dict, got {type(config).__name__}")
        unknown = set(config) - set(self.names) - ({"n_estimators"} if self.max_rounds else set())
        if unknown:
            raise ConfigError(
                f"{plural(len(unknown), f'unknown {self.family} parameter')} ({', '.join(sorted(unknown))}); "
                f"expected {', '.join(self.names)}"
            )
        missing = [n for n in self.names if n not in config]
        if missing:
            raise ConfigError(f"configuration lacks {', '.join(missing)}")
        for p in self.params:
            p.check(config[p.name])
        if "n_estimators" in config:
            Param("n_estimators", 1, 100_000, integer=True).check(config["n_estimators"])
        return config

    def contains(self, config: Any) -> bool:
        """Whether ``config`` is a valid configuration of this space (:meth:`validate` would pass)."""
        try:
            self.validate(config)
        except ConfigError:
            return False
        return True

    def fits(self, config: Config, n_rows: int) -> bool:
        """Whether ``config`` can grow trees of :attr:`min_leaves` leaves on ``n_rows`` training rows.

        A leaf holds at least ``config[leaf_rows]`` rows, so a configuration tuned on larger data
        can be all but unable to split on small data (``min_child_samples=86`` on 100 rows fits
        a constant); it would then be a different model from the one that did well elsewhere.
        """
        if self.leaf_rows is None or self.leaf_rows not in config:
            return True
        return n_rows >= self.min_leaves * config[self.leaf_rows]

    def estimator_params(self, config: Config, *, n_estimators: int | None = None,
                         random_state: int | None = None) -> dict[str, Any]:
        """The estimator's keyword arguments that rebuild the model metahpo evaluated: the
        configuration, the fixed settings, the rounds and the seed.

        This is what metahpo hands out (``Recommendation``, ``TuneResult.best_params``, the
        command line's JSON, batch's ``params/*.json``, the Optuna warm start), so that
        ``lightgbm.LGBMClassifier(**params)`` is exactly the model metahpo scored. ``config`` may
        be such keyword arguments already (see :meth:`config_of`), whose own seed is kept unless
        ``random_state`` is given (a configuration without one: 0). ``n_estimators`` overrides
        the configuration's rounds; without either, the space's cap applies. A space without
        rounds takes no ``n_estimators``.
        """
        if random_state is None:  # the seed the keyword arguments hold, if a whole number
            held = config.get("random_state")
            random_state = held if isinstance(held, (int, np.integer)) and not isinstance(held, bool) else 0
        config = self.config_of(config)
        if self.max_rounds is None:
            if n_estimators is not None:
                raise ConfigError(f"the {self.family} family has no rounds; got n_estimators={n_estimators!r}")
            return {**self.fixed, **config, "random_state": int(random_state)}
        rounds = n_estimators or config.get("n_estimators") or self.max_rounds
        return {**self.fixed, **config, "n_estimators": int(rounds), "random_state": int(random_state)}

    def config_of(self, params: dict[str, Any]) -> Config:
        """The configuration inside estimator keyword arguments: the fixed settings and the seed
        dropped, the rest validated (:meth:`validate`). A fixed setting with another value is an
        error, since the model would not be the one the knowledge base knows."""
        if not isinstance(params, dict):
            raise ConfigError(f"a configuration must be a dict, got {type(params).__name__}")
        for key, value in self.fixed.items():
            if key in params and params[key] != value:
                raise ConfigError(f"{key} is fixed at {value!r} in the {self.family} space, got {params[key]!r}")
        config = self.validate({k: v for k, v in params.items() if k not in self.fixed and k != "random_state"})
        integer = {p.name for p in self.params if p.integer} | {"n_estimators"}
        choices = {p.name: p.choices for p in self.params if p.choices is not None}
        return {k: int(v) if k in integer else _choice(v, choices[k]) if k in choices else v
                for k, v in config.items()}  # 31.0 from a table is 31; 1 for the choice 1.0 is 1.0


def early_stopped(config: Config) -> Config:
    """The configuration without ``n_estimators``, so that early stopping picks the rounds."""
    return {k: v for k, v in config.items() if k != "n_estimators"}


def config_id(config: Config) -> str:
    """A short stable identifier of a configuration (its numbers rounded to 6 significant digits,
    its text choices as they are)."""
    canonical = {k: v if isinstance(v, str) else float(f"{float(v):.6g}") for k, v in sorted(config.items())}
    return hashlib.sha1(json.dumps(canonical, sort_keys=True).encode()).hexdigest()[:12]


def _same(value: Any, choice: Any) -> bool:
    """Whether ``value`` is ``choice`` (a number equal to a numeric choice, a string equal to a text one)."""
    if isinstance(choice, str) or isinstance(value, str):
        return value == choice
    return isinstance(value, (int, float, np.integer, np.floating)) and value == choice  # exact: 10**400 is no float


def _choice(value: Any, choices: tuple[Any, ...]) -> Any:
    """The choice ``value`` stands for (its own type: 0.0 for 0 from a table)."""
    return next(c for c in choices if _same(value, c))


LIGHTGBM = SearchSpace(
    family="lightgbm",
    version="lightgbm-1",
    params=(
        Param("learning_rate", 0.01, 0.3, log=True, valid_low=1e-6, valid_high=1.0),
        Param("num_leaves", 4, 256, log=True, integer=True, valid_low=2, valid_high=131072),
        Param("min_child_samples", 2, 128, log=True, integer=True, valid_low=1, valid_high=100_000),
        Param("colsample_bytree", 0.3, 1.0, valid_low=1e-3),
        Param("subsample", 0.5, 1.0, valid_low=1e-3),
        Param("reg_alpha", 1e-4, 10.0, log=True, valid_low=0.0, valid_high=1e6),
        Param("reg_lambda", 1e-4, 10.0, log=True, valid_low=0.0, valid_high=1e6),
        Param("min_split_gain", 1e-4, 1.0, log=True, valid_low=0.0, valid_high=1e6),
    ),
    fixed={"subsample_freq": 1, "verbosity": -1},
    default={
        "learning_rate": 0.1,
        "num_leaves": 31,
        "min_child_samples": 20,
        "colsample_bytree": 1.0,
        "subsample": 1.0,
        "reg_alpha": 0.0,
        "reg_lambda": 0.0,
        "min_split_gain": 0.0,
        "n_estimators": 100,
    },
    max_rounds=1000,
    leaf_rows="min_child_samples",
    min_leaves=4,  # num_leaves' lower bound
)
