"""Does ``family="auto"`` choose the family that does best? Leave-group-out over the datasets that
both a LightGBM and a linear knowledge base ran.

On every dataset both knowledge bases ran (the same rows and folds: builds with the same
``--max-rows`` and ``--cv``), the *winner* is the family whose best run has the higher
cross-validated score (the task's default metric). For each dataset,
:func:`metahpo.recommendations.choose_family` is given both knowledge bases without the dataset's
leave-out group at every size (its twins and synthetic family, and the same rows or generator under
other names, ``corpora.removed_with``, which until Session 47 it kept: their rows, runs and the
configurations their searches produced) and chooses from the other datasets. Reported per corpus and split:

* how often the choice is the winner, against always choosing LightGBM;
* the regret: the best score of the winner minus that of the family chosen, on the dataset's joint
  normalized scale (0 = the worst run of either family, 1 = the best), for the choice, always
  LightGBM and always linear;
* the mean share the choice gives the linear family where linear won and where it lost (what
  ``tune(family="auto")`` would share its trials by).

The neighbours compared (``FAMILY_NEIGHBORS``) and the least share a family keeps in tune were
fixed before any dataset was compared. Results go to ``OUT/family_choice.csv``, one row per dataset::

    python scripts/benchmark_family_choice.py --lightgbm-kb docs/results/knowledge_base_v2 \\
        --linear-kb docs/results/knowledge_base_linear --out docs/results/family_choice
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpora  # noqa: E402

from metahpo.exceptions import KnowledgeBaseError  # noqa: E402
from metahpo.knowledge_base import KnowledgeBase  # noqa: E402
from metahpo.recommendations import choose_family  # noqa: E402


def compare(lightgbm: KnowledgeBase, linear: KnowledgeBase, min_linear_runs: int) -> pd.DataFrame:
    """One row per dataset both knowledge bases ran (the linear family at least ``min_linear_runs``
    times): each family's best, the winner, the choice."""
    corpus_of, split_of = {}, {}
    for corpus in ("pmlb", "realworld"):
        names = [e.name for e in corpora.entries(corpus)]
        for name, group in corpora.groups(corpus, names).items():
            corpus_of[name], split_of[name] = corpus, corpora.split(group)
    ids = [*lightgbm.datasets["dataset_id"], *linear.datasets["dataset_id"]]
    removed = corpora.leave_out_ids(dict.fromkeys(ids))  # every size of its group and of all removed with it
    rows = []
    for task in ("binary", "multiclass", "regression"):
        raw = {"lightgbm": lightgbm.matrix(task=task), "linear": linear.matrix(task=task)}
        best = pd.DataFrame({f: m.max(axis=1) for f, m in raw.items()}).dropna()
        best = best[raw["linear"].notna().sum(axis=1).reindex(best.index) >= min_linear_runs]
        low = pd.concat([m.min(axis=1) for m in raw.values()], axis=1).min(axis=1)
        mf = lightgbm.metafeatures(task)
        for dataset_id in best.index:
            if dataset_id not in corpus_of:
                continue
            knowledge = {family: kb.without(removed[dataset_id])
                         for family, kb in (("lightgbm", lightgbm), ("linear", linear))}
            try:
                choice = choose_family(mf.loc[dataset_id], knowledge, task)
            except KnowledgeBaseError:  # no other dataset of the task that both ran: nothing to choose by
                continue
            scores = best.loc[dataset_id]
            span = max(scores.max() - low[dataset_id], 1e-12)
            regret = {f: (scores.max() - scores[f]) / span for f in scores.index}
            rows.append({"dataset_id": dataset_id, "corpus": corpus_of[dataset_id], "split": split_of[dataset_id],
                         "task": task, "best_lightgbm": scores["lightgbm"], "best_linear": scores["linear"],
                         "winner": scores.idxmax(), "share_linear": choice.shares["linear"],
                         "chosen": choice.family, "regret_auto": regret[choice.family],
                         "regret_lightgbm": regret["lightgbm"], "regret_linear": regret["linear"]})
    return pd.DataFrame(rows)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per corpus and split: accuracy of the choice and of always-LightGBM, regrets, linear shares."""
    out = []
    for (corpus, split), part in table.groupby(["corpus", "split"]):
        linear_won = part["winner"] == "linear"
        out.append({"corpus": corpus, "split": split, "datasets": len(part), "linear_won": int(linear_won.sum()),
                    "choice_right": (part["chosen"] == part["winner"]).mean(),
                    "lightgbm_right": (part["winner"] == "lightgbm").mean(),
                    "regret_auto": part["regret_auto"].mean(), "regret_lightgbm": part["regret_lightgbm"].mean(),
                    "regret_linear": part["regret_linear"].mean(),
                    "share_linear_where_it_won": part.loc[linear_won, "share_linear"].mean(),
                    "share_linear_where_it_lost": part.loc[~linear_won, "share_linear"].mean()})
    return pd.DataFrame(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lightgbm-kb", required=True)
    parser.add_argument("--linear-kb", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--min-linear-runs", type=int, default=7,
                        help="datasets the linear build has run fewer configurations on are left out (default 7: "
                             "its defaults and 6 random draws)")
    args = parser.parse_args()
    table = compare(KnowledgeBase.load(args.lightgbm_kb), KnowledgeBase.load(args.linear_kb), args.min_linear_runs)
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "family_choice.csv", index=False)
    result = summary(table)
    result.to_csv(args.out / "summary.csv", index=False)
    print(result.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
