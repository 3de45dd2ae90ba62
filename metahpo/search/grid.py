"""Grid search in a deterministic shuffled order, then random search once the grid is used up."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from metahpo.evaluation import check_whole
from metahpo.exceptions import ConfigError
from metahpo.progress import plural
from metahpo.search.base import BaseSampler, Proposal, RandomState, new_proposals, random_proposals
from metahpo.spaces import Config, SearchSpace

if TYPE_CHECKING:
    from metahpo.search.study import Study


class GridSampler(BaseSampler):
    """Every point of a grid, in a shuffled order fixed by the seed (source ``"grid"``).

    Each parameter takes ``points_per_dim`` values evenly spaced in the encoded cube (so evenly
    spaced on a log scale for log parameters), every choice of a categorical one, or the values
    ``values`` gives for it. The grid is
    walked through a random affine permutation of its indices, so a grid of any size costs no
    memory and a short search still spreads over it. Once every grid point has been evaluated, the
    sampler draws uniformly at random (source ``"random"``).

    Parameters
    ----------
    points_per_dim : int
        Values per parameter not named in ``values``.
    values : mapping of str to sequence, optional
        Explicit values for some parameters (any value the estimator accepts, also outside the
        search range).
    random_state : int, numpy.random.Generator or None
    """

    def __init__(
        self,
        points_per_dim: int = 3,
        values: Mapping[str, Sequence[Any]] | None = None,
        random_state: RandomState = None,
    ) -> None:
        self.points_per_dim = check_whole(points_per_dim, "points_per_dim", 1, " of points")
        if values is not None and not isinstance(values, Mapping):
            raise ConfigError(f"values must map parameter names to lists of values, got {type(values).__name__}")
        self.values: dict[str, list[Any]] = {}
        for name, v in (values or {}).items():
            if isinstance(v, (str, Mapping)) or not isinstance(v, Iterable):
                raise ConfigError(f"the grid of {name} must be a list of values, got {v!r}")
            self.values[name] = list(v)
            if not self.values[name]:
                raise ConfigError(f"the grid of {name} is empty")
        super().__init__(random_state)

    def _reset(self) -> None:
        self._position = 0
        self._walk: tuple[int, int] | None = None  # (multiplier, offset) of the permutation

    def axes(self, space: SearchSpace) -> list[list[Any]]:
        """The values of each parameter of ``space``, in :attr:`SearchSpace.names` order."""
        unknown = set(self.values) - set(space.names)
        if unknown:
            raise ConfigError(
                f"grid values for {plural(len(unknown), 'unknown parameter')} ({', '.join(sorted(unknown))}); "
                f"expected {', '.join(space.names)}"
            )
        axes = []
        for p in space.params:
            if p.name in self.values:
                for v in self.values[p.name]:
                    p.check(v)
                axis = [v if p.categorical else int(v) if p.integer else float(v) for v in self.values[p.name]]
            elif p.categorical:
                axis = list(p.choices)
            else:
                axis = [p.decode(u) for u in np.linspace(0.0, 1.0, self.points_per_dim)]
            axes.append(list(dict.fromkeys(axis)))  # integer rounding can merge points
        return axes

    def ask(self, study: Study, space: SearchSpace, n: int = 1) -> list[Proposal]:
        axes = self.axes(space)
        size = math.prod(len(a) for a in axes)
        if self._walk is None:
            multiplier, offset = (int(self._rng.integers(2**62)) % size for _ in range(2))
            multiplier = max(multiplier, 1)
            while math.gcd(multiplier, size) != 1:
                multiplier += 1
            self._walk = (multiplier, offset)
        multiplier, offset = self._walk

        def walk() -> Iterator[Config]:
            while self._position < size:
                self._position += 1
                yield _grid_point(space, axes, (multiplier * (self._position - 1) + offset) % size)

        proposals = new_proposals(study, walk(), "grid", n)
        if len(proposals) < n:
            proposals += random_proposals(study, space, self._rng, n - len(proposals))
        return proposals


def _grid_point(space: SearchSpace, axes: list[list[Any]], index: int) -> Config:
    """The grid point at flat ``index`` (mixed radix, the last parameter varying fastest)."""
    values = []
    for axis in reversed(axes):
        index, digit = divmod(index, len(axis))
        values.append(axis[digit])
    return dict(zip(space.names, reversed(values)))
