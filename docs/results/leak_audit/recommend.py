"""Leave-one-out recommendations on the shipped knowledge base, with the leave-out before and after Session 47's audit.

``recommend_leaky`` ran ``benchmark_recommend.py`` from a worktree of 222d451 (PMLB's ``twins.csv`` alone),
``recommend_fixed`` from ed541d7 (``corpora.leave_out_ids``); both without ``--confirm`` and ``--latency``,
FLAML's scores read from its cache (docs/results/rules_2026-12-07.md, 22:58 UTC). This prints each run's
tables and the difference on the datasets whose leave-out the fix changed.

    python docs/results/leak_audit/recommend.py > docs/results/leak_audit/recommend.txt
"""

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2] / "scripts"))

import corpora  # noqa: E402
from benchmark_recommend import TIE, summarize  # noqa: E402

from metahpo.knowledge_base import base_id  # noqa: E402


def changed(ids: pd.Index) -> list[str]:
    """The ids whose leave-out the fix changed: PMLB's groups of the ids alone before, the audit's
    after (``KnowledgeBase.without`` drops every version of what it is given, so compared as base ids)."""
    before = corpora.groups("pmlb", list(ids))
    after = corpora.leave_out_ids(ids)
    return [d for d in ids if set(map(base_id, after[d])) != set(map(base_id, before[d]))]


def main() -> None:
    runs = {name: pd.read_csv(HERE / f"recommend_{name}" / "recommend_loo.csv") for name in ("leaky", "fixed")}
    for name, rows in runs.items():
        print(f"## {name}\n{summarize(rows, 'portfolio')}\n")
    top = {name: rows[rows["method"] == "portfolio"].set_index("dataset_id")["best_of_1"]
           for name, rows in runs.items()}
    affected = changed(top["fixed"].index)
    d = (top["fixed"] - top["leaky"]).reindex(affected)
    print(f"## The {len(affected)} datasets whose leave-out changed: portfolio top-1, fixed minus leaky\n")
    print(f"mean {d.mean():+.4f}, median {d.median():+.4f}; fixed better / tie / worse "
          f"{int((d > TIE).sum())} / {int((d.abs() <= TIE).sum())} / {int((d < -TIE).sum())}")
    print(d.sort_values().round(4).to_string())
    for name, rows in runs.items():
        wide = rows.pivot_table(index="dataset_id", columns="method", values="best_of_1")
        beat = (wide["portfolio"] - wide["lightgbm_default"] >= -TIE).mean()
        print(f"\n{name}: portfolio top-1 at least as good as LightGBM's defaults on {beat:.0%} of {len(wide)}")


if __name__ == "__main__":
    main()
