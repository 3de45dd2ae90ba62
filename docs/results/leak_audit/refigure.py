"""The final splits' headline figures again, with the datasets Session 47's leakage audit moved to dev left out.

The audit (7 December 2026) found that the split kept each corpus's own groups, so ``allhypo`` was final
while its thyroid twins were dev, and that two datasets of PMLB come from the generator of a synthetic
family the patterns missed (``564_fried``, Friedman's function #1 as the dev ``fri_c`` family;
``1203_BNG_pwLinear``, sampled from a network learned on the dev ``229_pwLinear``). ``corpora.split``
now makes a group final only if all a leave-out removes with it is final: those five datasets (with
``1203_BNG_pwLinear``'s family) are dev. This reruns nothing: it takes the stored rows of the runs behind
"Issue #14's targets", labels each dataset with today's split, and reports the final ones again.

    python docs/results/leak_audit/refigure.py > docs/results/leak_audit/refigure.txt
"""

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts"))

import benchmark_tune  # noqa: E402
import benchmark_zeroshot  # noqa: E402
import corpora  # noqa: E402

RESULTS = ROOT / "docs" / "results"


def splits() -> pd.Series:
    """Today's split of every dataset of the two shared corpora."""
    return pd.concat([corpora.table(c).set_index("name")["split"] for c in ("pmlb", "realworld")])


def main() -> None:
    split = splits()
    zeroshot = pd.concat([pd.read_csv(RESULTS / "zeroshot_check_metric_final" / "zeroshot_runs.csv").query(
        "corpus == 'pmlb'"), pd.read_csv(RESULTS / "zeroshot_order_metric_final" / "zeroshot_runs.csv")])
    moved = sorted(zeroshot.loc[zeroshot["dataset"].map(split) != zeroshot["split"], "dataset"].unique())
    print(f"Stored as final, dev today: {', '.join(moved)}\n")
    print("## Zero-shot, the final splits as shipped (rows of zeroshot_check_metric_final, PMLB, and "
          "zeroshot_order_metric_final, real-world), today's final datasets\n")
    print(benchmark_zeroshot.summarize(zeroshot[zeroshot["dataset"].map(split) == "final"]))
    for corpus in ("pmlb", "realworld"):
        runs = pd.read_csv(RESULTS / f"tune_final_{corpus}_kb2" / "tune_runs.csv")
        kept = runs[runs["dataset_id"].map(split) == "final"]
        left = sorted(set(runs["dataset_id"]) - set(kept["dataset_id"]))
        print(f"\n## tune, {corpus} final (rows of tune_final_{corpus}_kb2), without {', '.join(left) or 'none'}\n")
        print(benchmark_tune.summarize(kept, "metahpo"))


if __name__ == "__main__":
    main()
