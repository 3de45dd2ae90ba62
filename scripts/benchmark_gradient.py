"""Gradient-based tuning against grid search and Bayesian optimization, on the linear family.

The same problem for every method: the linear family's regularization strength ``alpha`` (Ridge's
``alpha``, LogisticRegression's ``1 / C``), every other setting at the family's default (no
expansion, L2, no class weights), the same preprocessing, the same stratified K folds, and the
same objective, the cross-validated validation loss (log loss, or mean squared error for
regression). The methods:

* ``grid``: scikit-learn's ``LogisticRegressionCV`` / ``RidgeCV`` over ``--grid`` values of
  alpha log-spaced over the family's range, on the same folds, behind the same preprocessing
  (fitted once on all rows: these estimators cross-validate inside); the alpha it chooses is then
  cross-validated by metahpo, so that its loss is measured as the others' are;
* ``bayes``: metahpo's Bayesian sampler (``sampler="bayes"``), from the default;
* ``gradient``: metahpo's hypergradient descent (``sampler="gradient"``), from the default,
  until converged.

For each method and dataset: the best loss reached, the model fits it took (one per fold and
candidate) and the seconds, and the fits and seconds it took to come within ``--tolerance``
(relative) of the best loss any method reached. Rows go to ``OUT/benchmark_gradient.csv`` (one per
evaluated point: fits and seconds so far, best loss so far) and a summary to
``OUT/benchmark_gradient.md``.

Usage::

    python scripts/benchmark_gradient.py --out docs/results/gradient
    python scripts/benchmark_gradient.py --pmlb ../shared/datasets/pmlb/NAME ... --out /tmp/g
"""

from __future__ import annotations

import argparse
import dataclasses
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification, make_regression
from threadpoolctl import threadpool_limits

from metahpo.datasets import Dataset, from_arrays, load
from metahpo.evaluation import encode_target, evaluate, make_folds
from metahpo.families import get_family
from metahpo.families.linear import make_preprocessor
from metahpo.search import BayesSampler, GradientSampler, Study, WarmStartSampler
from metahpo.spaces import SearchSpace

FAMILY = get_family("linear")
BUILTIN = ("sklearn:breast_cancer", "sklearn:wine", "sklearn:diabetes", "synthetic:classification",
           "synthetic:regression")


def load_named(name: str, max_rows: int) -> Dataset:
    """A scikit-learn dataset, a synthetic one, or a path metahpo.load reads; at most ``max_rows`` rows."""
    if name == "synthetic:classification":
        X, y = make_classification(600, 20, n_informative=6, flip_y=0.1, random_state=0)
        data = from_arrays(X, y, name="synthetic_classification")
    elif name == "synthetic:regression":
        # more columns than a fold's rows: the penalty matters
        X, y = make_regression(200, 150, n_informative=20, noise=50.0, random_state=0)
        data = from_arrays(X, y, name="synthetic_regression")
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = load(name)
    return data.subsample(max_rows) if data.n_rows > max_rows else data


def alpha_space(task: str) -> SearchSpace:
    """The family's space with ``alpha`` searched and everything else fixed at the default."""
    space = FAMILY.space_for(task)
    others = {k: v for k, v in space.default.items() if k != "alpha"}
    return dataclasses.replace(space, params=tuple(p for p in space.params if p.name == "alpha"),
                               fixed={**space.fixed, **others}, default={"alpha": space.default["alpha"]})


def run_study(data: Dataset, folds: list, space: SearchSpace, sampler, n_trials: int) -> list[dict]:
    """A search over ``space`` from its default; one row per trial."""
    rows, start = [], time.perf_counter()

    def objective(config: dict):
        return evaluate(config, data, folds=folds, family=FAMILY, space=space, hypergradient=True)

    def record(study: Study, trial) -> None:
        rows.append({"alpha": trial.config["alpha"], "loss": trial.user_attrs.get("loss", np.nan),
                     "seconds": time.perf_counter() - start})

    study = Study(space)
    study.optimize(objective, WarmStartSampler([space.default], then=sampler, source="default"),
                   n_trials=n_trials, callbacks=[record])
    return rows


def run_grid(data: Dataset, folds: list, space: SearchSpace, n_grid: int) -> list[dict]:
    """LogisticRegressionCV / RidgeCV over ``n_grid`` alphas; one row, the chosen alpha's loss."""
    from sklearn.linear_model import LogisticRegressionCV, RidgeCV
    from sklearn.pipeline import make_pipeline

    (alpha,) = space.params
    alphas = np.geomspace(alpha.low, alpha.high, n_grid)
    if data.task == "regression":
        model = RidgeCV(alphas=alphas, cv=folds, scoring="neg_mean_squared_error")
    else:
        model = LogisticRegressionCV(Cs=1.0 / alphas, cv=folds, scoring="neg_log_loss", l1_ratios=(0.0,),
                                     use_legacy_attributes=False, tol=space.fixed["tol"],
                                     max_iter=space.fixed["max_iter"])
    y, _ = encode_target(data)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make_pipeline(make_preprocessor("none"), model).fit(data.X, y)
    seconds = time.perf_counter() - start
    chosen = float(model.alpha_) if data.task == "regression" else 1.0 / float(np.ravel(model.C_)[0])
    loss = evaluate({"alpha": chosen}, data, folds=folds, family=FAMILY, space=space, hypergradient=True).loss
    return [{"alpha": chosen, "loss": loss, "seconds": seconds, "fits": n_grid * len(folds) + 1}]


def summarize(curves: pd.DataFrame, tolerance: float) -> pd.DataFrame:
    """Per dataset and method: best loss, fits and seconds, and what it took to come within tolerance."""
    rows = []
    for dataset, group in curves.groupby("dataset", sort=False):
        target = group["best_loss"].min() * (1 + tolerance)
        for method, run in group.groupby("method", sort=False):
            reached = run[run["best_loss"] <= target]
            rows.append({"dataset": dataset, "task": run["task"].iloc[0], "method": method,
                         "best_loss": run["best_loss"].min(), "alpha": run.loc[run["loss"].idxmin(), "alpha"],
                         "fits": int(run["fits"].max()), "seconds": run["seconds"].max(),
                         "fits_to_tolerance": int(reached["fits"].min()) if len(reached) else None,
                         "seconds_to_tolerance": reached["seconds"].min() if len(reached) else None})
    return pd.DataFrame(rows)


def markdown(summary: pd.DataFrame, tolerance: float) -> str:
    header = (f"| dataset | task | method | best CV loss | alpha | fits | seconds | fits to within {tolerance:.0e} "
              "| seconds to within |\n|---|---|---|---|---|---|---|---|---|\n")
    cells = []
    for r in summary.itertuples():
        reach_fits = "not reached" if pd.isna(r.fits_to_tolerance) else f"{int(r.fits_to_tolerance)}"
        reach_secs = "not reached" if pd.isna(r.seconds_to_tolerance) else f"{r.seconds_to_tolerance:.2f}"
        cells.append(f"| {r.dataset} | {r.task} | {r.method} | {r.best_loss:.6g} | {r.alpha:.4g} | {r.fits} | "
                     f"{r.seconds:.2f} | {reach_fits} | {reach_secs} |")
    return header + "\n".join(cells) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="*", default=list(BUILTIN), help="sklearn:NAME, synthetic:..., or paths")
    parser.add_argument("--pmlb", nargs="*", default=[], help="PMLB dataset folders, e.g. ../shared/datasets/pmlb/NAME")
    parser.add_argument("--cv", type=int, default=5)
    parser.add_argument("--trials", type=int, default=15, help="trials of the Bayesian and gradient searches")
    parser.add_argument("--grid", type=int, default=10, help="alphas of the grid")
    parser.add_argument("--max-rows", type=int, default=2000)
    parser.add_argument("--tolerance", type=float, default=1e-4, help="relative distance to the best loss")
    parser.add_argument("--out", type=Path, default=Path("docs/results/gradient"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    with threadpool_limits(1, user_api="blas"):  # a shared machine: one thread per method, as metahpo's fits use
        for name in [*args.datasets, *args.pmlb]:
            data = load_named(name, args.max_rows)
            folds, space = make_folds(data, args.cv, random_state=0), alpha_space(data.task)
            runs = {"grid": run_grid(data, folds, space, args.grid),
                    "bayes": run_study(data, folds, space, BayesSampler(random_state=0), args.trials),
                    "gradient": run_study(data, folds, space, GradientSampler(), args.trials)}
            for method, points in runs.items():
                best = np.inf
                for i, point in enumerate(points, 1):
                    best = min(best, point["loss"])
                    rows.append({"dataset": data.name, "task": data.task, "method": method, "evaluation": i,
                                 "fits": point.get("fits", i * len(folds)), "seconds": point["seconds"],
                                 "alpha": point["alpha"], "loss": point["loss"], "best_loss": best})
                print(f"{data.name:28s} {method:9s} best loss {best:.6g} after {rows[-1]['fits']} fits, "
                      f"{rows[-1]['seconds']:.2f} s", flush=True)
    curves = pd.DataFrame(rows)
    curves.to_csv(args.out / "benchmark_gradient.csv", index=False)
    summary = summarize(curves, args.tolerance)
    (args.out / "benchmark_gradient.md").write_text(markdown(summary, args.tolerance))
    print(markdown(summary, args.tolerance))


if __name__ == "__main__":
    main()
