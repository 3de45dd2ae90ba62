"""Which early-stopping rule holds, on cross-validation and on held-out test data?

For each sampled dataset of the ``dev`` split (never the ``final`` one, see ``corpora.py``) and a few
configurations (seeded random draws from the LightGBM space plus LightGBM's defaults without a fixed
number of rounds), the data is split 75/25; each of 3 CV folds of the training part trains the full
1,000 rounds and records its validation curves (log loss or L2, and ROC AUC for binary tasks), and
one model on the whole training part records its test curve. Every stopping rule is then replayed on
the same curves, so the rules are compared on identical models:

* which round each fold stops at and keeps (the rule), so the CV score the knowledge base would store;
* the refit's rounds (median of the folds' kept rounds), so the test score a user would get;
* how many rounds each fold trained (the cost).

Reported per rule: mean test regret against the best round of the same model (``oracle``), the
test score of the configuration the rule's CV scores would pick, win/tie/loss against the current
rule, the share of folds that keep at most 5 rounds, and rounds trained relative to the current rule.

Usage::

    python scripts/benchmark_stopping.py --n-pmlb 30 --n-realworld 18 --n-jobs 2 --out docs/results/stopping
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpora  # noqa: E402
from results import normalized  # noqa: E402

from metahpo.evaluation import encode_target, make_estimator, make_folds  # noqa: E402
from metahpo.spaces import LIGHTGBM, early_stopped  # noqa: E402

MAX_ROUNDS = 1000
LOSS = {"binary": "binary_logloss", "multiclass": "multi_logloss", "regression": "l2"}
TIE = 1e-4


def rules(lr: float) -> dict[str, tuple[str, int, int]]:
    """Rule name -> (curve it watches, patience, floor: the round before which it cannot stop)."""
    tied = lambda c: int(min(MAX_ROUNDS, max(30, math.ceil(c / lr))))  # noqa: E731
    return {
        "loss_p30": ("loss", 30, 0),                    # the knowledge base v1 rule
        "metric_p30": ("metric", 30, 0),
        "loss_p30_floor3/lr": ("loss", 30, tied(3)),
        "loss_p5/lr": ("loss", tied(5), 0),
        "metric_p5/lr": ("metric", tied(5), 0),
        "loss_p10/lr": ("loss", tied(10), 0),
        "metric_p10/lr": ("metric", tied(10), 0),
        "metric_all": ("metric", MAX_ROUNDS, 0),        # no early stopping: best round of 1,000
    }


def replay(curve: np.ndarray, patience: int, floor: int) -> tuple[int, int]:
    """LightGBM's early stopping on a greater-is-better ``curve``: (rounds kept, rounds trained)."""
    best, best_i = -np.inf, 0
    for i, v in enumerate(curve):
        if v > best:
            best, best_i = v, i
        elif i - best_i >= patience and i + 1 >= floor:
            return best_i + 1, i + 1
    return best_i + 1, len(curve)


def score_curve(task: str, record: dict, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(task-metric curve, loss curve), both greater-is-better: AUC / -log loss / R²."""
    loss = -np.asarray(record[LOSS[task]])
    if task == "binary":
        return np.asarray(record["auc"]), loss
    if task == "regression":
        r2 = 1 + loss / max(float(np.var(y)), 1e-12)
        return r2, r2
    return loss, loss


def fit_curves(config: dict, task: str, X_tr, y_tr, X_ev, y_ev) -> dict:
    import lightgbm as lgb

    model = make_estimator(config, task, n_estimators=MAX_ROUNDS)
    metric = [LOSS[task], "auc"] if task == "binary" else [LOSS[task]]
    model.set_params(metric=metric)
    if task != "regression":  # LightGBM encodes training labels, not eval labels: keep the seen classes
        seen = np.unique(y_tr)
        keep = np.isin(y_ev, seen)
        X_ev, y_ev = X_ev[keep], np.searchsorted(seen, y_ev[keep])
    record: dict = {}
    model.fit(X_tr, y_tr, eval_X=(X_ev,), eval_y=(y_ev,), callbacks=[lgb.record_evaluation(record)])
    return score_curve(task, record["valid_0"], y_ev)


def run_one(entry: corpora.Entry, max_rows: int, n_configs: int) -> list[dict]:
    from sklearn.model_selection import train_test_split

    try:
        data = entry.source.load(max_rows)
    except Exception as exc:  # a broken dataset is reported, the run goes on
        return [{"dataset": entry.name, "error": f"{type(exc).__name__}: {exc}"[:300]}]
    seed = zlib.crc32(entry.name.encode())
    configs = [early_stopped(LIGHTGBM.default)] + LIGHTGBM.sample(n_configs - 1, seed)
    y, _ = encode_target(data)
    strat = y if data.is_classification and np.bincount(y).min() >= 2 else None
    tr, te = train_test_split(np.arange(data.n_rows), test_size=0.25, random_state=0, stratify=strat)
    train = data.take(tr)
    folds = make_folds(train, cv=3, random_state=0)
    ytr = y[tr]
    rows = []
    for k, config in enumerate(configs):
        try:
            fold_curves = [fit_curves(config, data.task, train.X.iloc[a], ytr[a], train.X.iloc[b], ytr[b])
                           for a, b in folds]
            test_metric, _ = fit_curves(config, data.task, train.X, ytr, data.X.iloc[te], y[te])
        except Exception as exc:
            rows.append({"dataset": entry.name, "config": k, "error": f"{type(exc).__name__}: {exc}"[:300]})
            continue
        for rule, (watch, patience, floor) in rules(config["learning_rate"]).items():
            kept, trained = zip(*(replay(m if watch == "metric" else loss, patience, floor) for m, loss in fold_curves))
            refit = int(np.median(kept))
            rows.append({
                "dataset": entry.name, "corpus": entry.corpus, "task": data.task, "n_rows": data.n_rows,
                "config": k, "learning_rate": config["learning_rate"], "rule": rule,
                "cv": float(np.mean([m[i - 1] for (m, _), i in zip(fold_curves, kept)])),
                "test": float(test_metric[refit - 1]),
                "test_scaled": float(test_metric[min(MAX_ROUNDS, round(refit * 1.5)) - 1]),  # rounds x rows ratio
                "oracle": float(np.max(test_metric)),
                "rounds": refit, "trained": float(np.mean(trained)), "truncated": float(np.mean(np.array(kept) <= 5)),
            })
    return rows


def sample(n_pmlb: int, n_realworld: int, seed: int = 0) -> list[corpora.Entry]:
    picked = []
    for corpus, n in (("pmlb", n_pmlb), ("realworld", n_realworld)):
        t = corpora.table(corpus)
        dev = t[t["split"] == "dev"].drop_duplicates("group")  # one dataset per group
        share = dev.groupby("task", group_keys=False).apply(
            lambda g: g.sample(min(len(g), math.ceil(n / 3)), random_state=seed))
        names = set(share["name"].head(n)) if len(share) > n else set(share["name"])
        picked += [e for e in corpora.entries(corpus) if e.name in names]
    return picked


def report(rows: pd.DataFrame) -> str:
    ok = rows[rows["rule"].notna()].copy()
    ok["regret"] = ok["oracle"] - ok["test"]
    base = ok[ok["rule"] == "loss_p30"].set_index(["dataset", "config"])
    lines = []
    for corpus, part in [("all", ok), *ok.groupby("corpus")]:
        # the configuration each rule's CV scores pick, per dataset, and its test score
        picks = part.loc[part.groupby(["dataset", "rule"])["cv"].idxmax()]
        pick_test = picks.pivot(index="dataset", columns="rule", values="test")
        norm = normalized(pick_test)
        lines += [f"\n{corpus}: {part['dataset'].nunique()} datasets, {len(part) // part['rule'].nunique()} models\n",
                  "| rule | mean test regret | W / T / L vs loss_p30 (per model) | picked config: mean normalized test | "
                  "folds keeping <= 5 rounds | rounds trained vs loss_p30 |", "|---|---|---|---|---|---|"]
        for rule, g in part.groupby("rule", sort=False):
            g = g.set_index(["dataset", "config"])
            d = g["test"] - base.loc[g.index, "test"]
            cost = g["trained"].sum() / base.loc[g.index, "trained"].sum()
            lines.append(f"| {rule} | {g['oracle'].sub(g['test']).mean():.4f} | {(d > TIE).sum()} / "
                         f"{(d.abs() <= TIE).sum()} / {(d < -TIE).sum()} | {norm[rule].mean():.3f} | "
                         f"{g['truncated'].mean():.3f} | {cost:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-pmlb", type=int, default=30)
    parser.add_argument("--n-realworld", type=int, default=18)
    parser.add_argument("--n-configs", type=int, default=5)
    parser.add_argument("--max-rows-pmlb", type=int, default=2000)
    parser.add_argument("--max-rows-realworld", type=int, default=5000)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--out", default="docs/results/stopping")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "stopping_runs.jsonl"
    done = {json.loads(line)["dataset"] for line in path.read_text().splitlines()} if path.exists() else set()
    todo = [e for e in sample(args.n_pmlb, args.n_realworld) if e.name not in done]
    caps = {"pmlb": args.max_rows_pmlb, "realworld": args.max_rows_realworld}
    todo.sort(key=lambda e: -min(e.n_rows, caps[e.corpus]))  # the dearest first, so none runs alone at the end
    print(f"{len(todo)} datasets to run, {len(done)} done", file=sys.stderr, flush=True)
    jobs = (delayed(run_one)(e, caps[e.corpus], args.n_configs) for e in todo)
    with path.open("a") as fh:
        for i, result in enumerate(Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(jobs), 1):
            for row in result:
                fh.write(json.dumps(row) + "\n")
            fh.flush()
            print(f"{i}/{len(todo)} {result[0]['dataset']}", file=sys.stderr, flush=True)
    rows = pd.DataFrame([json.loads(line) for line in path.read_text().splitlines()])
    text = report(rows)
    (out / "stopping.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
