"""metahpo's zero-shot rows of two runs of ``benchmark_zeroshot.py``, dataset by dataset.

A change to metahpo (a knowledge base, a strategy setting, ``--rounds holdout``) is run into a
folder of its own beside the rivals' rows copied from a baseline run; this script compares the
two ``metahpo`` rows of each dataset both runs hold: per corpus, split and task, the new run's
wins, ties and losses against the baseline (ties within 1e-4 on the task's test metric), its
mean difference, the share of datasets where each is at least as good as LightGBM's defaults and
as LGBM-TD (the baseline run's rows of those), and the median ratio of their fit times (rows of
two runs: only as comparable as the machine's load was).

Usage::

    python scripts/compare_zeroshot.py docs/results/zeroshot_strategy/k25_s06 \\
        docs/results/zeroshot_strategy/k25_s06_holdout
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmark_tune import wtl_text  # noqa: E402

TIE = 1e-4


def comparison(baseline: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """One row per dataset both runs scored: the two metahpo scores and fit times, and the
    baseline's rows of LightGBM's defaults and LGBM-TD."""
    def method(runs: pd.DataFrame, name: str) -> pd.DataFrame:
        ok = runs[(runs["method"] == name) & (runs["status"] == "ok")]
        return ok.set_index(["corpus", "split", "task", "dataset"])[["score", "fit_s"]]

    table = pd.merge(method(baseline, "metahpo"), method(new, "metahpo"), left_index=True, right_index=True,
                     suffixes=("_baseline", "_new"))
    for rival in ("lightgbm_default", "lgbm_td"):
        table[rival] = method(baseline, rival)["score"]
    return table


def summary(table: pd.DataFrame) -> str:
    """A markdown table per corpus, split and task (and all tasks together)."""
    lines = ["| corpus, split | task | datasets | new vs baseline W / T / L | mean difference | "
             ">= defaults: baseline / new | >= LGBM-TD: baseline / new | fit time new / baseline, median |",
             "|---|---|---|---|---|---|---|---|"]
    parts = [((c, s, t), g) for (c, s, t), g in table.groupby(level=["corpus", "split", "task"])]
    parts += [((c, s, "all"), g) for (c, s), g in table.groupby(level=["corpus", "split"])]
    for (corpus, split, task), g in sorted(parts, key=lambda p: (p[0][0], p[0][1], p[0][2] == "all", p[0][2])):
        diff = g["score_new"] - g["score_baseline"]

        def share(score: str, rival: str) -> str:  # over the datasets the rival has a score on
            both = g[[score, rival]].dropna()
            missing = len(g) - len(both)
            return f"{np.mean(both[score] >= both[rival] - TIE):.0%}" + (f" ({missing} without)" if missing else "")

        lines.append(f"| {corpus}, {split} | {task} | {len(g)} | {wtl_text(diff, TIE)} | "
                     f"{diff.mean():+.4f} | {share('score_baseline', 'lightgbm_default')} / "
                     f"{share('score_new', 'lightgbm_default')} | {share('score_baseline', 'lgbm_td')} / "
                     f"{share('score_new', 'lgbm_td')} | {np.median(g['fit_s_new'] / g['fit_s_baseline']):.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("baseline", type=Path, help="a benchmark_zeroshot.py output folder")
    parser.add_argument("new", type=Path, help="another, with metahpo's rows of the change")
    args = parser.parse_args()
    runs = [pd.read_csv(folder / "zeroshot_runs.csv") for folder in (args.baseline, args.new)]
    print(summary(comparison(*runs)))


if __name__ == "__main__":
    main()
