"""Merge the three runs of the rule of 18:47 (Session 45, docs/results/rules_2026-12-07.md): tune as on
main (OLD) with the knowledge base's surrogate fitted with seed 0 and with seed 1, and tune with the
Gaussian process on the scores' Gaussian copula (NEW, cand-copula, seed 0), into ``merged/SET`` beside
the rivals' rows, metahpo's rows named ``metahpo``, ``metahpo_s1`` and ``metahpo_copula``.

The controls are those of docs/results/metafeature_seeds/merge.py: LightGBM's defaults score the same
in every run and in the earlier folder, and the first five trials (the recommendations, which use
neither the surrogate's seed nor the sampler) agree between OLD's seeds and between OLD and NEW.

Usage, from the repository's root::

    python docs/results/copula/merge.py
    python scripts/compare_tune.py --reference metahpo+metahpo_s1 --methods metahpo_copula \\
        docs/results/copula/merged/*
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("metafeature_seeds_merge",
                                               HERE.parent / "metafeature_seeds" / "merge.py")
_seeds = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_seeds)

RUNS = {"metahpo": "metafeature_fixes/tune/new", "metahpo_s1": "metafeature_seeds/new_s1",
        "metahpo_copula": "copula/new"}
"""Each run's folder under docs/results, by the name its metahpo rows take."""
PAIRS = (("metahpo", "metahpo_s1"), ("metahpo", "metahpo_copula"))
"""Runs whose first five trials must agree."""

if __name__ == "__main__":
    _seeds.main(RUNS, PAIRS, HERE / "merged")
