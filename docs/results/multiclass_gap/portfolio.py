"""Diagnostic (Session 45, no decision): how much tune's five recommendations vary between the 25
multiclass dev datasets, with the portfolio's shrinkage as shipped (0.6: that share of each
dataset's weight spread over all the task's datasets) and lower. For each dataset (its training
part, its meta-features as tune extracts them, the knowledge base without its group: diagnose.py's
``prepared``), the first five of the portfolio's list; then, per shrinkage, how many distinct
configurations the 125 picks hold and how often the most common four appear. Writes
``portfolio.csv`` beside this file. Run from the repository's root::

    python docs/results/multiclass_gap/portfolio.py
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pandas as pd
from joblib import Parallel, delayed

HERE = Path(__file__).resolve().parent
sys.path[:0] = ["scripts", str(HERE)]
from diagnose import SETS, prepared  # noqa: E402

from metahpo import metafeatures  # noqa: E402
from metahpo.recommendations import Portfolio, get_recommender  # noqa: E402

SHRINKAGES = (0.6, 0.3, 0.0)
PICKS = 5


def picks(corpus: str, name: str, max_rows: int) -> list[dict]:
    train_ds, kb, seed = prepared(corpus, name, max_rows)
    mf = metafeatures.extract(train_ds, random_state=seed)
    rows = []
    for shrinkage in SHRINKAGES:
        recommender = get_recommender(kb, "multiclass", Portfolio(shrinkage=shrinkage), "neg_log_loss")
        for rank, rc in enumerate(recommender.recommend(mf, PICKS, name, train_rows=train_ds.n_rows).configs):
            rows.append({"dataset": name, "shrinkage": shrinkage, "rank": rank, "config_id": rc.config_id,
                         "num_leaves": rc.params.get("num_leaves"), "learning_rate": rc.params.get("learning_rate"),
                         "reg_lambda": rc.params.get("reg_lambda")})
    return rows


def main() -> None:
    jobs = [delayed(picks)(corpus, name, max_rows) for corpus, (folder, max_rows) in SETS.items()
            for name in sorted(pd.read_csv(f"docs/results/{folder}/tune_runs.csv").query("task == 'multiclass'")
                               ["dataset_id"].unique())]
    table = pd.DataFrame([row for rows in Parallel(n_jobs=2)(jobs) for row in rows])
    table.to_csv(HERE / "portfolio.csv", index=False)
    for shrinkage, group in table.groupby("shrinkage", sort=False):
        common = Counter(group["config_id"]).most_common(4)
        print(f"shrinkage {shrinkage}: {group['dataset'].nunique()} datasets, {group['config_id'].nunique()} distinct "
              f"configurations in {len(group)} picks; the four most common in {sum(c for _, c in common)}; "
              f"picks with 5 leaves or fewer {int((group['num_leaves'] <= 5).sum())}, "
              f"with reg_lambda >= 1 {int((group['reg_lambda'] >= 1).sum())}")


if __name__ == "__main__":
    main()
