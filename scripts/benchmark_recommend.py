"""Leave-one-dataset-out benchmark of zero-shot recommendations against the rivals.

For every knowledge-base dataset, the recommender is rebuilt without its leave-out group at every
size (``corpora.leave_out_ids``: its twins in either corpus's ``twins.csv``, the synthetic
``*_fri_c*``, ``GAMETES_*`` and ``*_BNG_*`` families as whole groups, and the same rows or generator
under other names; until Session 47, 7 December 2026, PMLB's ``twins.csv`` alone, so 38 of the 368
left-out datasets kept a twin, such as a larger version's or a real-world one: docs/results/leak_audit),
asked for 10 configurations from the dataset's stored meta-features, and the recommendations are
scored from the dense dataset x configuration matrix (no refits): top-1, best-of-3, best-of-10
normalized score (0 = the worst configuration the KB ran on the dataset, 1 = the best) and the rank
of the top-1 among the pool. Rivals on the same datasets, in the same run:

* LightGBM's defaults (``n_estimators=100``, no early stopping), from the matrix;
* the single best configuration on average over the other datasets, from the matrix;
* random configurations from the space: the dataset's own seeded random draws in the KB
  (best-of-k is the exact expectation over draws without replacement; at most 8 draws exist);
* FLAML's zero-shot LightGBM (``flaml.default``, ``--flaml``): cross-validated on the same folds
  of the same capped data with the same metric; results are cached and resumed.

``--confirm N`` refits on a held-out 25% split for N datasets: metahpo's top-1 (recommender
without the dataset's group), LightGBM's defaults and FLAML's zero-shot, scored on the test part.

``--latency`` times ``recommend`` on a 10,000 x 50 dataset and with a synthetic 2,000-dataset x
1,000-configuration knowledge base (medians of repeated calls).

Usage::

    python scripts/benchmark_recommend.py --kb knowledge_base \\
        --flaml --confirm 30 --latency --out docs/results
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from math import comb
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpora  # noqa: E402
from results import append_rows  # noqa: E402

from metahpo.build import Source  # noqa: E402
from metahpo.evaluation import METRICS, evaluate_estimator, make_folds  # noqa: E402
from metahpo.knowledge_base import KnowledgeBase, base_id  # noqa: E402
from metahpo.recommendations import STRATEGIES, Recommender  # noqa: E402
from metahpo.spaces import LIGHTGBM, config_id  # noqa: E402

TIE = 0.005
"""Normalized scores closer than this count as a tie."""
BUDGETS = (1, 3, 10)


def expected_best_of(values: np.ndarray, k: int) -> float:
    """E[max of k draws without replacement] from ``values`` (k capped at their number)."""
    v = np.sort(values[~np.isnan(values)])
    n = len(v)
    if n == 0:
        return float("nan")
    k = min(k, n)
    weights = np.array([comb(i, k - 1) for i in range(n)], dtype=float) / comb(n, k)
    return float((weights * v).sum())


def loo_one(kb: KnowledgeBase, dataset_id: str, leave_out: list[str], truth: pd.Series,
            strategies: list[str]) -> list[dict]:
    """Recommendations for one left-out dataset, scored from its row of the normalized matrix."""
    task = kb.datasets.set_index("dataset_id").loc[dataset_id, "task"]
    rest = kb.without(leave_out)
    mf = kb.metafeatures(task).loc[dataset_id]
    pool_truth = truth.dropna()
    rows, recommender = [], None
    for name in strategies:
        start = time.perf_counter()
        recommender = Recommender(rest, task, name)
        fit_time = time.perf_counter() - start
        start = time.perf_counter()
        rec = recommender.recommend(mf, n=max(BUDGETS))
        rec_time = time.perf_counter() - start
        scores = truth.reindex([c.config_id for c in rec.configs]).to_numpy()
        row = {"dataset_id": dataset_id, "task": task, "method": name, "confidence": rec.confidence,
               "fit_s": fit_time, "recommend_s": rec_time,
               "rank_top1": int((pool_truth > scores[0]).sum()) + 1 if np.isfinite(scores[0]) else np.nan}
        row |= {f"best_of_{k}": np.nanmax(scores[:k]) if np.isfinite(scores[:k]).any() else np.nan for k in BUDGETS}
        rows.append(row)
    scores = truth.reindex(recommender.global_rank.index).to_numpy()  # the same for every strategy
    rows.append({"dataset_id": dataset_id, "task": task, "method": "single_best",
                 **{f"best_of_{k}": np.nanmax(scores[:k]) for k in BUDGETS}})
    return rows


GRID = [("nearest", None, None)] + [("portfolio", k, shrink) for k in (10, 25, 50) for shrink in (0.0, 0.3, 0.6, 0.9)]
"""Strategy settings compared by ``--select``: (strategy, neighbours k, shrinkage)."""


def loo_grid(kb: KnowledgeBase, dataset_id: str, leave_out: list[str], truth: pd.Series) -> list[dict]:
    """Each setting of :data:`GRID` for one left-out dataset, from one recommender fitted without
    its group (its runs and the configurations it produced)."""
    task = kb.datasets.set_index("dataset_id").loc[dataset_id, "task"]
    recommender = Recommender(kb.without(leave_out), task, "portfolio")
    mf = kb.metafeatures(task).loc[dataset_id]
    rows = []
    for name, k, shrink in GRID:
        recommender.strategy = STRATEGIES[name]() if k is None else STRATEGIES[name](k=k, shrinkage=shrink)
        rec = recommender.recommend(mf, n=max(BUDGETS))
        scores = truth.reindex([c.config_id for c in rec.configs]).to_numpy()
        rows.append({"dataset_id": dataset_id, "task": task, "setting": f"{name} k={k} shrinkage={shrink}",
                     "n_candidates": len(recommender.pool),
                     **{f"best_of_{b}": np.nanmax(scores[:b]) if np.isfinite(scores[:b]).any() else np.nan
                        for b in BUDGETS}})
    scores = truth.reindex(recommender.global_rank.index).to_numpy()
    rows.append({"dataset_id": dataset_id, "task": task, "setting": "single_best",
                 **{f"best_of_{b}": np.nanmax(scores[:b]) for b in BUDGETS}})
    return rows


def select(kb: KnowledgeBase, removed: dict[str, list[str]], split_of: dict[str, str], n_jobs: int,
           out: Path) -> str:
    """Choose the strategy setting on the ``dev`` datasets alone, then report it on ``final``: the best
    mean top-1 on dev, and among settings within :data:`TIE` of it, the best mean best-of-10."""
    norm = kb.normalized()
    per = Parallel(n_jobs=n_jobs)(delayed(loo_grid)(kb, d, removed[d], norm.loc[d]) for d in norm.index)
    grid = pd.DataFrame([r for rows in per for r in rows])
    grid["split"] = grid["dataset_id"].map(split_of)
    grid.to_csv(out / "recommend_select.csv", index=False)
    means = grid.groupby(["split", "setting"])[[f"best_of_{b}" for b in BUDGETS]].mean()
    dev = means.loc["dev"]
    tied = dev[dev["best_of_1"] >= dev["best_of_1"].max() - TIE]  # as good at top-1: the longer list decides
    chosen = tied["best_of_10"].idxmax()
    lines = [f"Candidates per left-out dataset (pool without its group's configurations): median "
             f"{grid['n_candidates'].median():.0f}.", "",
             "| setting | dev top-1 | dev best-of-3 | dev best-of-10 | final top-1 | final best-of-3 | final best-of-10 |",
             "|---|---|---|---|---|---|---|"]
    for setting in means.loc["dev"].sort_values("best_of_1", ascending=False).index:
        d, f = means.loc[("dev", setting)], means.loc[("final", setting)]
        mark = " (chosen on dev)" if setting == chosen else ""
        lines.append(f"| {setting}{mark} | {d['best_of_1']:.3f} | {d['best_of_3']:.3f} | {d['best_of_10']:.3f} | "
                     f"{f['best_of_1']:.3f} | {f['best_of_3']:.3f} | {f['best_of_10']:.3f} |")
    counts = grid.drop_duplicates("dataset_id")["split"].value_counts()
    lines.append(f"\n{counts.get('dev', 0)} dev and {counts.get('final', 0)} final datasets.")
    return "\n".join(lines)


def rivals_from_matrix(kb: KnowledgeBase, norm: pd.DataFrame) -> list[dict]:
    default_id = config_id(LIGHTGBM.default)
    origin = kb.configurations.set_index("config_id")["origin"]
    random_ids = set(origin[origin == "explore-random"].index) - {default_id}
    rows = []
    tasks = kb.datasets.set_index("dataset_id")["task"]
    for d in norm.index:
        truth = norm.loc[d]
        drawn = truth.reindex([c for c in truth.dropna().index if c in random_ids]).to_numpy()
        rows.append({"dataset_id": d, "task": tasks[d], "method": "lightgbm_default",
                     **{f"best_of_{k}": truth.get(default_id, np.nan) for k in BUDGETS}})
        rows.append({"dataset_id": d, "task": tasks[d], "method": "random",
                     **{f"best_of_{k}": expected_best_of(drawn, k) for k in BUDGETS}})
    return rows


def flaml_scores(kb: KnowledgeBase, cache: Path, max_rows: int, cv: int, n_jobs: int,
                 compute: bool = True) -> pd.DataFrame:
    """FLAML zero-shot LightGBM, cross-validated on the KB's folds; resumable through ``cache``.
    With ``compute=False`` only the cached datasets are reported."""
    done = pd.read_csv(cache) if cache.exists() else pd.DataFrame(columns=["dataset_id", "metric", "score", "status"])
    todo = kb.datasets[~kb.datasets["dataset_id"].isin(done["dataset_id"])] if compute else kb.datasets.iloc[:0]
    jobs = [delayed(_flaml_one)(Source(r.dataset_id, r.source), r.task, max_rows, cv) for r in todo.itertuples()]
    for i, row in enumerate(Parallel(n_jobs=n_jobs, return_as="generator_unordered")(jobs), 1):
        append_rows(cache, [row])
        print(f"flaml: {i}/{len(jobs)} {row['dataset_id']} {row['status']}", file=sys.stderr, flush=True)
    return pd.read_csv(cache)


def _flaml_one(source: Source, task: str, max_rows: int, cv: int) -> dict:
    warnings.filterwarnings("ignore")
    from flaml.default import LGBMClassifier, LGBMRegressor

    dataset = source.load(max_rows)
    # one thread: LightGBM's n_jobs=None takes every core in each of the parallel workers
    model = (LGBMRegressor if task == "regression" else LGBMClassifier)(verbosity=-1, n_jobs=1)
    ev = evaluate_estimator(model, dataset, folds=make_folds(dataset, cv, random_state=0))
    metric = METRICS[task][0]
    return {"dataset_id": source.dataset_id, "metric": metric, "score": ev.scores.get(metric, np.nan),
            "status": ev.status if ev.ok else f"{ev.status}: {ev.error[:200]}"}


def flaml_rows(kb: KnowledgeBase, flaml: pd.DataFrame) -> list[dict]:
    raw = kb.matrix()
    rows = []
    tasks = kb.datasets.set_index("dataset_id")["task"]
    for r in flaml.itertuples():
        if r.dataset_id not in raw.index:
            continue
        lo, hi = raw.loc[r.dataset_id].min(), raw.loc[r.dataset_id].max()
        value = (r.score - lo) / (hi - lo) if hi > lo and np.isfinite(r.score) else np.nan
        rows.append({"dataset_id": r.dataset_id, "task": tasks[r.dataset_id], "method": "flaml_zeroshot",
                     **{f"best_of_{k}": value if k == 1 else np.nan for k in BUDGETS}})
    return rows


def summarize(results: pd.DataFrame, ours: str) -> str:
    """Markdown tables: per task and overall, mean/median normalized score, mean rank, W/T/L vs ours."""
    lines = []
    wide = results.pivot_table(index="dataset_id", columns="method", values="best_of_1")
    ranks = wide.rank(axis=1, ascending=False, method="average")
    tasks = results.drop_duplicates("dataset_id").set_index("dataset_id")["task"]
    for task in [*sorted(tasks.unique()), "all"]:
        ids = tasks.index if task == "all" else tasks.index[tasks == task]
        sub = results[results["dataset_id"].isin(ids)]
        lines.append(f"\n**{task}** ({len(ids)} datasets)\n")
        lines.append("| method | top-1 mean | top-1 median | best-of-3 | best-of-10 | mean rank (top-1) | "
                     f"{ours} top-1 wins / ties / losses |")
        lines.append("|---|---|---|---|---|---|---|")
        for method, g in sub.groupby("method"):
            if method not in wide:  # no top-1 score anywhere: random draws a knowledge base without them lacks
                continue
            w = wide.loc[wide.index.intersection(ids)]
            if method == ours:
                wtl = "—"
            else:
                both = w[[ours, method]].dropna()
                d = both[ours] - both[method]
                wtl = f"{int((d > TIE).sum())} / {int((d.abs() <= TIE).sum())} / {int((d < -TIE).sum())}"
            lines.append(f"| {method} | {g['best_of_1'].mean():.3f} | {g['best_of_1'].median():.3f} | "
                         f"{g['best_of_3'].mean():.3f} | {g['best_of_10'].mean():.3f} | "
                         f"{ranks.loc[ranks.index.intersection(ids), method].mean():.2f} | {wtl} |")
    return "\n".join(lines)


def confirm(kb: KnowledgeBase, removed: dict[str, list[str]], n: int, max_rows: int, seed: int = 0) -> pd.DataFrame:
    """Real refits on a held-out 25% split for ``n`` datasets (a seeded sample), scored alike."""
    import lightgbm
    from sklearn.model_selection import train_test_split

    from metahpo.estimators import MetaLGBMClassifier, MetaLGBMRegressor

    warnings.filterwarnings("ignore")
    try:
        from flaml import default as flaml_default
    except ImportError:
        flaml_default = None
    rows = []
    for r in kb.datasets.sample(min(n, len(kb.datasets)), random_state=seed).itertuples():
        dataset = Source(r.dataset_id, r.source).load(max_rows)
        regression = dataset.task == "regression"
        counts = dataset.y.value_counts()
        stratify = dataset.y if not regression and counts.min() >= 2 else None
        train, test = train_test_split(np.arange(dataset.n_rows), test_size=0.25, random_state=seed, stratify=stratify)
        models = {
            "metahpo_top1": (MetaLGBMRegressor if regression else MetaLGBMClassifier)(
                knowledge_base=kb.without(removed[r.dataset_id])),
            "lightgbm_default": (lightgbm.LGBMRegressor if regression else lightgbm.LGBMClassifier)(verbosity=-1),
        }
        if flaml_default is not None:
            models["flaml_zeroshot"] = (flaml_default.LGBMRegressor if regression
                                        else flaml_default.LGBMClassifier)(verbosity=-1)
        for name, model in models.items():
            ev = evaluate_estimator(model, dataset, folds=[(train, test)])
            rows.append({"dataset_id": r.dataset_id, "task": dataset.task, "method": name, "metric": ev.metric,
                         "test_score": ev.score, "fit_s": ev.fit_time, "status": ev.status, "error": ev.error})
        print(f"confirm: {r.dataset_id}", file=sys.stderr, flush=True)
    return pd.DataFrame(rows)


def latency(kb: KnowledgeBase, repeats: int = 7) -> dict[str, float]:
    """Median seconds: recommend() on 10,000 x 50 (with meta-features; the knowledge base's rounds, as
    when this latency was first measured: the hold-outs, since the default, are timed by
    ``scripts/benchmark_reuse.py``); a 2,000 x 1,000 synthetic KB."""
    from metahpo import metafeatures, recommend
    from metahpo.datasets import from_arrays

    rng = np.random.default_rng(0)
    X = rng.normal(size=(10_000, 50))
    y = (X[:, 0] + rng.normal(size=10_000) > 0).astype(int)
    data = from_arrays(X, y)
    recommend(data, knowledge_base=kb, rounds="recommended")  # fit the recommender once; it is reused
    full = []
    for _ in range(repeats):
        start = time.perf_counter()
        recommend(data, knowledge_base=kb, rounds="recommended")
        full.append(time.perf_counter() - start)
    big = synthetic_kb(2000, 1000, list(metafeatures.METAFEATURES))
    start = time.perf_counter()
    recommender = Recommender(big, "binary", "auto")
    fit_big = time.perf_counter() - start
    mf = metafeatures.extract(data)
    after = []
    for _ in range(repeats):
        start = time.perf_counter()
        recommender.recommend(mf, n=10)
        after.append(time.perf_counter() - start)
    return {"recommend_10000x50_s": float(np.median(full)), "synthetic_2000x1000_after_mf_s": float(np.median(after)),
            "synthetic_2000x1000_fit_once_s": fit_big}


def synthetic_kb(n_datasets: int, n_configs: int, names: list[str], seed: int = 0) -> KnowledgeBase:
    """A dense synthetic binary knowledge base (random meta-features, scores with structure)."""
    import json

    from metahpo.knowledge_base import RUN_COLUMNS, _coerce_runs

    rng = np.random.default_rng(seed)
    configs = LIGHTGBM.sample(n_configs, seed)
    ids = [config_id(c) for c in configs]
    mf = rng.normal(size=(n_datasets, len(names)))
    datasets = pd.DataFrame({"dataset_id": [f"s{i}" for i in range(n_datasets)], "name": [f"s{i}" for i in range(n_datasets)],
                             "source": "", "task": "binary", "n_rows": 1000, "n_features": 10,
                             **{f"mf_{n}": mf[:, j] for j, n in enumerate(names)}})
    cx = np.array([LIGHTGBM.encode(c) for c in configs])
    scores = 0.8 + 0.1 * np.tanh(mf[:, :8] @ rng.normal(size=(8, 8)) @ cx.T / 8) + rng.normal(0, 0.01, (n_datasets, n_configs))
    runs = pd.DataFrame({"dataset_id": np.repeat(datasets["dataset_id"], n_configs), "config_id": np.tile(ids, n_datasets),
                         "status": "ok", "error": "", "score_roc_auc": scores.ravel(), "best_iteration": 100})
    runs = _coerce_runs(runs.reindex(columns=RUN_COLUMNS))
    confs = pd.DataFrame({"config_id": ids, "family": "lightgbm", "origin": "synthetic",
                          "params": [json.dumps(c, sort_keys=True) for c in configs]})
    return KnowledgeBase(datasets, confs, runs, "lightgbm", LIGHTGBM.version, {})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", default="knowledge_base")
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--ours", default="portfolio", help="the strategy the W/T/L columns are for")
    parser.add_argument("--flaml", action="store_true")
    parser.add_argument("--flaml-cached-only", action="store_true",
                        help="report FLAML on the datasets already in its cache, computing no more")
    parser.add_argument("--confirm", type=int, default=0)
    parser.add_argument("--latency", action="store_true")
    parser.add_argument("--select", action="store_true",
                        help="run only this: choose the strategy setting on the dev split alone (corpora.py) "
                             "and report it on final (OUT/recommend_select.md, .csv)")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--out", default="docs/results")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    kb = KnowledgeBase.load(args.kb)
    provenance = kb.provenance or {}
    norm = kb.normalized()
    ids = norm.index.tolist()
    removed = corpora.leave_out_ids(ids)  # its group, every size, in either corpus, and all removed with it
    if args.select:
        group_of = corpora.shared_groups()
        text = select(kb, removed, {d: corpora.split(group_of[base_id(d)]) for d in ids}, args.n_jobs, out)
        (out / "recommend_select.md").write_text(text + "\n")
        print(text)
        return
    strategies = args.strategies.split(",")
    start = time.perf_counter()
    per = Parallel(n_jobs=args.n_jobs)(delayed(loo_one)(kb, d, removed[d], norm.loc[d], strategies) for d in ids)
    loo_s = time.perf_counter() - start
    results = pd.DataFrame([row for rows in per for row in rows] + rivals_from_matrix(kb, norm))
    if args.flaml:
        results = pd.concat([results, pd.DataFrame(flaml_rows(kb, flaml_scores(
            kb, out / "flaml_zeroshot_cv.csv", int(provenance.get("max_rows", 2000)), int(provenance.get("cv", 3)),
            args.n_jobs, compute=not args.flaml_cached_only)))], ignore_index=True)
    results.to_csv(out / "recommend_loo.csv", index=False)
    report = [f"Leave-one-dataset-out over {len(ids)} datasets ({loo_s:.0f} s).", summarize(results, args.ours)]
    for method in strategies:
        sub = results[results["method"] == method]
        report.append(f"\n{method}: median recommender fit {sub['fit_s'].median():.3f} s, "
                      f"median recommend {sub['recommend_s'].median() * 1000:.1f} ms (after meta-features)")
    if args.confirm:
        conf = confirm(kb, removed, args.confirm, int(provenance.get("max_rows", 2000)))
        conf.to_csv(out / "recommend_confirm.csv", index=False)
        wide = conf.pivot_table(index="dataset_id", columns="method", values="test_score")
        report.append(f"\nHeld-out refits on {len(wide)} datasets (test score, task's default metric):")
        for rival in [c for c in wide.columns if c != "metahpo_top1"]:
            both = wide[["metahpo_top1", rival]].dropna()
            d = both["metahpo_top1"] - both[rival]
            report.append(f"- metahpo top-1 vs {rival}: {int((d > 1e-9).sum())} wins / {int((d.abs() <= 1e-9).sum())} "
                          f"ties / {int((d < -1e-9).sum())} losses; median difference {d.median():+.4f}")
    if args.latency:
        for key, value in latency(kb).items():
            report.append(f"- latency {key}: {value * 1000:.0f} ms")
    text = "\n".join(report)
    (out / "recommend_loo.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
