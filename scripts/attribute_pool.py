"""Record where each pool configuration of a knowledge base built before provenance came from.

Knowledge bases built since record it themselves (``origin`` ``pool:ds1|ds2``); for an older one
this replays the build's deterministic explore plan (the random draws seeded by each dataset's id,
then the perturbations of the best of them) to find which datasets explored each pool
configuration (a perturbation that matches none, planned from an earlier state of a resumed build,
is attributed to every dataset whose random draws lie near it), and rewrites the configurations table with those origins (an atomic new part, the old
one removed). The library's defaults are attributed to no dataset.

Usage::

    python scripts/attribute_pool.py knowledge_base
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from metahpo import knowledge_base as kbm
from metahpo.build import local_plan, random_plan
from metahpo.spaces import config_id, early_stopped, get_space


def attribute(kb: kbm.KnowledgeBase, n_random: int, n_local: int) -> dict[str, list[str]]:
    """Pool config id -> the datasets whose explore phase produced it."""
    space = get_space(kb.family)
    scores = kb.matrix()
    produced: dict[str, list[str]] = {}
    for d in kb.datasets["dataset_id"]:
        plan = random_plan(space, d, n_random)
        explored = plan[2:]
        ids = [cid for cid in map(config_id, plan) if cid in scores.columns]
        row = scores.loc[d, ids] if d in scores.index else None
        if row is not None and row.notna().any():
            best = next(c for c in plan if config_id(c) == row.idxmax())
            explored += local_plan(space, d, best, n_local)
        for c in explored:
            produced.setdefault(config_id(early_stopped(c)), []).append(d)
    return produced


RADIUS = 0.5
"""Perturbations move each unit-cube coordinate by N(0, 0.1): in 8 dimensions, 99.9% land within 0.5."""


def nearby(kb: kbm.KnowledgeBase, cid: str, n_random: int) -> list[str]:
    """Every dataset with a random draw within :data:`RADIUS` of configuration ``cid``: the
    datasets whose perturbations could have produced it."""
    space = get_space(kb.family)
    x = space.encode(kb.params([cid])[0])
    return [d for d in kb.datasets["dataset_id"]
            if min(np.linalg.norm(space.encode(c) - x) for c in random_plan(space, d, n_random)[1:]) <= RADIUS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kb")
    args = parser.parse_args()
    root = Path(args.kb)
    kb = kbm.KnowledgeBase.load(root)
    prov = kb.provenance or {}
    produced = attribute(kb, int(prov.get("n_random", 8)), int(prov.get("n_local", 4)))
    space = get_space(kb.family)
    defaults = {config_id(space.default), config_id(early_stopped(space.default))}
    conf = kb.configurations.copy()
    pool = conf["origin"] == "pool"
    unknown = [c for c in conf.loc[pool, "config_id"] if c not in defaults and c not in produced]
    for c in unknown:  # a perturbation planned from another state of a resumed build: be conservative
        produced[c] = nearby(kb, c, int(prov.get("n_random", 8)))
        print(f"{c}: no explored configuration matches; attributed to {len(produced[c])} datasets "
              f"whose random draws lie within {RADIUS} of it: {', '.join(produced[c])}")
    conf.loc[pool, "origin"] = [
        "pool" if c in defaults else f"pool:{kbm.ORIGIN_SEP.join(produced[c])}" for c in conf.loc[pool, "config_id"]]
    old = kbm._parts(root / "configurations")
    kbm._write_part(root / "configurations", conf, kbm.CONFIG_COLUMNS, compress=True)
    for part in old:
        part.unlink()
    n_multi = sum(len(produced[c]) > 1 for c in conf.loc[pool, "config_id"] if c in produced)
    print(f"{int(pool.sum())} pool configurations attributed ({n_multi} to several datasets)")


if __name__ == "__main__":
    main()
