"""Diagnostic (Session 46, no decision): does a recommendation's confidence (how close the dataset
lies to the knowledge base's, 0 to 1) tell how its zero-shot top configuration fares? Over the
zero-shot rows of the unseen sets, each as shipped when it was read (the final splits' checked
run, PMLB's and real-world's; the fresh corpus; the first five reserves), per band of confidence: how often metahpo's top-1 is at
least as good as LightGBM's defaults and as LGBM-TD on test; then, per task, the Spearman
correlation of confidence with metahpo's test score minus the defaults'. Run from the
repository's root::

    python docs/results/confidence/outcome.py
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[3]
SETS = ("zeroshot_check_final", "zeroshot_fresh", "zeroshot_reserve", "zeroshot_reserve2", "zeroshot_reserve3",
        "zeroshot_reserve4", "zeroshot_reserve5")
BANDS = (0.0, 0.05, 0.2, 0.5, 1.0)


def outcomes() -> pd.DataFrame:
    """Per dataset of each set: metahpo's confidence and task, and its test score minus LightGBM's
    defaults' and LGBM-TD's (the metric each row scored, higher better)."""
    frames = []
    for name in SETS:
        runs = pd.read_csv(ROOT / "docs/results" / name / "zeroshot_runs.csv")
        ok = runs[runs["status"] == "ok"]
        scores = ok.pivot_table(index="dataset", columns="method", values="score")
        ours = runs[runs["method"] == "metahpo"].set_index("dataset")
        frames.append(pd.DataFrame({"set": name, "task": ours["task"], "confidence": ours["confidence"],
                                    "vs_default": scores["metahpo"] - scores["lightgbm_default"],
                                    "vs_td": scores["metahpo"] - scores["lgbm_td"]}))
    return pd.concat(frames).dropna()


def main() -> None:
    table = outcomes()
    table["band"] = pd.cut(table["confidence"], BANDS, include_lowest=True)
    for band, group in table.groupby("band", observed=True):
        print(f"confidence {band}: {len(group)} datasets; at least as good as the defaults "
              f"{(group['vs_default'] >= 0).mean():.0%}, as LGBM-TD {(group['vs_td'] >= 0).mean():.0%}")
    for task, group in table.groupby("task"):
        print(f"{task} ({len(group)}): Spearman of confidence with the difference to the defaults "
              f"{group['confidence'].corr(group['vs_default'], method='spearman'):+.2f}, to LGBM-TD "
              f"{group['confidence'].corr(group['vs_td'], method='spearman'):+.2f}")


if __name__ == "__main__":
    main()
