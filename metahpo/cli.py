"""The ``metahpo`` command line.

Every subcommand takes its data the way :func:`metahpo.datasets.load` does (a file plus
``--target``, a PMLB folder, ``sklearn:NAME``, ``openml:ID``, ``openml-task:ID``). Bad input
prints one line, ``metahpo: error: ...``, and exits with status 2; no traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import signal
import sys
import textwrap
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import BrokenExecutor
from pathlib import Path
from typing import Any

from metahpo import __version__
from metahpo.exceptions import ConfigError, DataError, DataWarning, KnowledgeBaseWarning, MetahpoError
from metahpo.progress import plural, preview, silence, to_stderr

TABLE_WIDTH = 100
"""The widest a table printed to a terminal gets."""

DEFAULT_TRIALS = 20
"""``tune``'s trials without ``--n-trials`` or ``--timeout``."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, exit status 2, pointing at ``--help``, and which
    takes no abbreviation of an option (``--n 5`` for ``recommend``'s ``-n`` would be ``--n-jobs 5``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{"allow_abbrev": False, **kwargs})

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _whole(least: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``least``."""
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"must be at least {least}, got {value}")
        return value

    return convert


def _jobs(text: str) -> int:
    """An argparse type: a positive number of workers, or -1 for one per CPU."""
    value = _whole(-1)(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be a positive number of workers, or -1 for one per CPU")
    return value


def _seconds(text: str) -> float:
    """An argparse type: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        warnings.formatwarning = _format_warning
        with _terminations_as_ctrl_c():
            return args.handler(args)
    except MetahpoError as exc:
        to_stderr(f"metahpo: error: {exc}")
        return 2
    except KeyboardInterrupt:
        to_stderr("metahpo: interrupted")
        return 130
    except BrokenExecutor as exc:  # workers that keep dying (parallel.run_jobs records a job that kills one)
        from joblib.externals.loky.process_executor import TerminatedWorkerError

        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if isinstance(exc, TerminatedWorkerError):
            to_stderr(f"metahpo: error: worker processes keep dying ({why}); fewer --n-jobs or --max-rows need less "
                      f"memory; batch and kb build keep what finished, and the same command resumes")
        else:  # not a death: a job or result the pool could not pass between processes
            to_stderr(f"metahpo: error: the worker pool failed ({why})")
        return 1
    except BrokenPipeError:  # the reader (e.g. head) went away: not an error of ours
        silence(sys.stdout)
        return 0
    except OSError as exc:  # a path that cannot be written or read, a scheduler that cannot be reached, ...
        where = f": {exc.filename}" if exc.filename else ""
        to_stderr(f"metahpo: error: {exc.strerror or exc}{where}")
        return 2
    finally:
        warnings.formatwarning = _python_format_warning


TERMINATIONS = ("SIGTERM", "SIGHUP")
"""The signals a command takes as Ctrl-C (a ``kill``, a closed terminal; Windows has no SIGHUP)."""


@contextlib.contextmanager
def _terminations_as_ctrl_c() -> Iterator[None]:
    """Within, the :data:`TERMINATIONS` raise :class:`KeyboardInterrupt` as Ctrl-C does, so that a
    command keeps what it found; the former handlers are restored after. A signal ignored (``nohup``)
    stays ignored, and outside the main thread, where no handler can be set, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    taken = [number for number in (getattr(signal, name) for name in TERMINATIONS if hasattr(signal, name))
             if signal.getsignal(number) is signal.SIG_DFL]
    try:
        with _held(taken):
            for number in taken:
                signal.signal(number, _interrupt)
        yield
    finally:
        with _held(taken):  # a signal now arrives once the defaults are back, not halfway through
            for number in taken:
                signal.signal(number, signal.SIG_DFL)


@contextlib.contextmanager
def _held(signals: list[int]) -> Iterator[None]:
    """Within, ``signals`` wait (where the platform can hold them), to be delivered after."""
    if not signals or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, signals)


def _interrupt(number: int, frame: Any) -> None:
    """A signal handler: raise :class:`KeyboardInterrupt`, as Ctrl-C does."""
    raise KeyboardInterrupt


_python_format_warning = warnings.formatwarning


def _format_warning(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> str:
    """A warning about the data or a knowledge base as one line, like an error; any other as Python formats it."""
    if issubclass(category, (DataWarning, KnowledgeBaseWarning)):
        return f"metahpo: warning: {message}\n"
    return _python_format_warning(message, category, *args, **kwargs)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="metahpo",
        description="Hyperparameter recommendations (LightGBM, linear models) from a knowledge base of past tuning "
                    "runs.",
        epilog="SIGTERM and SIGHUP stop a command as Ctrl-C does (exit status 130).",
    )
    parser.add_argument("--version", action="version", version=f"metahpo {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = sub.add_parser("metafeatures", help="print the meta-features of a dataset")
    _add_data_args(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(handler=_cmd_metafeatures)

    p = sub.add_parser("recommend", help="recommend configurations (LightGBM by default) for a dataset, zero-shot")
    _add_data_args(p)
    _add_recommend_args(p)
    p.add_argument("--family", help="lightgbm, linear, or auto: the family that did best on similar datasets "
                   "(default: that of --kb, else lightgbm)")
    p.add_argument("--json", action="store_true", help="print the whole recommendation as JSON")
    p.add_argument("--out", help="write the top configuration's parameters (the family's keyword arguments) "
                   "to this JSON file")
    p.set_defaults(handler=_cmd_recommend)

    _add_tune_parser(sub)
    _add_kb_parsers(sub)
    _add_batch_parser(sub)
    return parser


def _add_tune_parser(sub: Any) -> None:
    p = sub.add_parser("tune", help="tune every model family (or the one named) on a dataset, warm-started from "
                                    "the knowledge bases",
                       epilog="Ctrl-C, SIGTERM or SIGHUP (a kill, a closed terminal) ends the search: the best of the "
                              "trials run is printed and written to --out, and the exit status is 130.")
    _add_data_args(p)
    p.add_argument("--n-trials", type=_whole(1),
                   help=f"trials to run (default {DEFAULT_TRIALS}; with --timeout, as many as it leaves time for)")
    p.add_argument("--timeout", type=_seconds,
                   help="seconds after the first trial's start after which no new trial starts")
    p.add_argument("--sampler",
                   help="bayes, random, local, grid, evolution, gradient (a family with a hypergradient: "
                        "linear), or none for a cold start (default bayes)")
    p.add_argument("--strategy", help=argparse.SUPPRESS)  # the former name of --sampler, deprecated
    p.add_argument("--family", default="auto",
                   help="auto: every family, the trials shared by how often each did best on similar datasets "
                        "(default); or one family, lightgbm or linear (needed by --prior, --record-to and the "
                        "gradient sampler)")
    p.add_argument("--warm-start", type=_whole(0), default=5,
                   help="recommended configurations tried first (default 5)")
    p.add_argument("--cv", type=_whole(2), default=5, help="cross-validation folds (default 5)")
    p.add_argument("--prune", action="store_true",
                   help="stop a trial after a fold once it is clearly below the best trial there: less time, "
                        "but on real data some test score lost (docs/benchmarks.md)")
    p.add_argument("--metric", help="a scikit-learn scorer name (default by task)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--kb", help="knowledge-base folder (default: the shipped one)")
    p.add_argument("--record-to", help="append every trial to this knowledge-base folder")
    p.add_argument("--resume", action="store_true",
                   help="continue the search --record-to holds for this dataset: its trials count toward "
                        "--n-trials and are not re-run")
    p.add_argument("--prior", help="results you already have for this dataset: a table (CSV, Parquet) with a "
                                   "column per parameter and a score column; they guide the search and can be its "
                                   "best, without being re-run or counted in --n-trials")
    p.add_argument("--ensemble", type=_whole(1), metavar="K",
                   help="combine the best K trials (of each family searched) into a voting / averaging ensemble")
    p.add_argument("--out", help="write the result (best parameters, score, ensemble, every trial) to this JSON file")
    p.add_argument("--json", action="store_true", help="print the result (as --out writes it) as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--n-jobs", type=_jobs, default=1, help="trials evaluated in parallel (default 1)")
    p.set_defaults(handler=_cmd_tune)


def _add_kb_parsers(sub: Any) -> None:
    kb_parser = sub.add_parser("kb", help="build, inspect and import knowledge bases")
    kb_parser.set_defaults(handler=lambda args: kb_parser.print_help() or 2)  # no KB_COMMAND: its own help
    kb = kb_parser.add_subparsers(title="kb commands", metavar="KB_COMMAND")
    p = kb.add_parser("build", help="build or resume a knowledge base from datasets")
    p.add_argument("inputs", nargs="+", help="folders (of data files, with a manifest.csv, or of PMLB datasets), "
                   "data files, lists of files (.txt), openml:ID, sklearn:NAME")
    p.add_argument("--out", required=True, help="knowledge-base folder (resumed if it exists)")
    p.add_argument("--target", help="target column of data files (default: target)")
    p.add_argument("--n-random", type=_whole(1), default=8, help="random configurations per dataset (default 8)")
    p.add_argument("--n-local", type=_whole(0), default=4, help="local perturbations of the best (default 4)")
    p.add_argument("--n-search", type=_whole(0), default=0, help="Bayesian-optimization trials per dataset after "
                   "its explore phase, from its own results (default 0: none)")
    p.add_argument("--pool-size", type=_whole(1), default=100,
                   help="cross-evaluated configurations per task space, its two defaults among them (default 100)")
    p.add_argument("--max-rows", type=_whole(2), default=2000, help="row cap per dataset (default 2000)")
    p.add_argument("--sizes", default="", help="larger row caps, comma-separated: each dataset with enough "
                   "rows is also built at these sizes, as NAME@ROWS (e.g. 10000,50000)")
    p.add_argument("--cv", type=_whole(2), default=3, help="cross-validation folds (default 3)")
    p.add_argument("--family", default="lightgbm", help="the model family whose runs it holds: lightgbm or linear "
                   "(default lightgbm)")
    p.add_argument("--timeout", type=_seconds, help="seconds after which an evaluation stops at the end of its "
                   "current fold, recorded as a timeout (default: none); a rerun with more time than they had "
                   "evaluates those runs again")
    p.add_argument("--phases", default="describe,explore,search,cross", help="comma-separated phases to run")
    p.add_argument("--reevaluate", metavar="KB", help="instead of the phases, evaluate again every run of the "
                   "knowledge base KB on the inputs under its family's current space (after its fixed settings "
                   "changed), with KB's datasets and configurations, into a new --out; give the --max-rows and --cv KB "
                   "was built with")
    _add_parallel_args(p)
    p.set_defaults(handler=_cmd_kb_build)

    p = kb.add_parser("info", help="summarize a knowledge base (default: the shipped one)")
    p.add_argument("path", nargs="?", help="knowledge-base folder")
    p.add_argument("--zero-shot", action="store_true",
                   help="the shipped one as recommendations read it: with its zero-shot part (tune reads it without)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=_cmd_kb_info)

    p = kb.add_parser("compact", help="fold a knowledge base's closed part files into compressed ones "
                      "(safe while builds and tunes write to it)")
    p.add_argument("path", help="knowledge-base folder")
    p.set_defaults(handler=_cmd_kb_compact)

    p = kb.add_parser("import-openml", help="import OpenML runs of a LightGBM flow into a knowledge base")
    p.add_argument("--flow", type=_whole(1), required=True, help="OpenML flow id")
    p.add_argument("--metric", default="area_under_roc_curve", help="OpenML evaluation measure")
    p.add_argument("--limit", type=_whole(1), default=1000, help="runs to import at most")
    p.add_argument("--out", required=True, help="knowledge-base folder to append to (created if absent)")
    p.set_defaults(handler=_cmd_kb_import_openml)

    p = kb.add_parser("ingest", help="add your own tuning history for a dataset (CSV of params and scores)")
    _add_data_args(p)
    p.add_argument("--history", required=True, help="CSV: a column per LightGBM parameter and 'score'")
    p.add_argument("--metric", required=True, help="what the score measures, e.g. roc_auc, neg_log_loss, r2")
    p.add_argument("--minimize", action="store_true", help="the scores are losses (lower is better)")
    p.add_argument("--out", required=True, help="knowledge-base folder to append to (created if absent)")
    p.set_defaults(handler=_cmd_kb_ingest)


def _add_batch_parser(sub: Any) -> None:
    p = sub.add_parser("batch", help="recommend (and optionally tune) configurations for many datasets")
    p.add_argument("inputs", nargs="+",
                   help="PMLB folders, folders of data files, data files, lists of files (.txt), openml:ID")
    p.add_argument("--out", required=True, help="output folder (resumed if it exists)")
    p.add_argument("--target", help="target column of data files (default: target)")
    p.add_argument("-n", type=_whole(1), default=10,
                   help="with --rounds holdout, on data of 10,000 rows or more (after --max-rows): how many "
                        "recommended configurations are held out to choose the one handed out (default 10); elsewhere "
                        "the top recommendation is handed out, whatever -n")
    p.add_argument("--tune", type=_whole(0), default=0, metavar="N",
                   help="tune each dataset for N trials (default 0: no)")
    p.add_argument("--ensemble", type=_whole(1), metavar="K", help="with --tune: an ensemble over the best K trials")
    _add_parallel_args(p)
    p.add_argument("--kb", help="knowledge-base folder (default: the shipped one)")
    p.add_argument("--family", default="lightgbm", help="lightgbm, linear, or auto: per dataset, the family that did "
                   "best on similar datasets (default lightgbm)")
    p.add_argument("--strategy", default="auto", help="auto, nearest, portfolio or surrogate (default auto); no "
                   "effect with --tune, whose search starts as tune's does")
    p.add_argument("--cv", type=_whole(2), default=5, help="cross-validation folds of the tuning (default 5)")
    p.add_argument("--max-rows", type=_whole(2), help="row cap per dataset (default: every row)")
    _add_rounds_arg(p)
    p.set_defaults(handler=_cmd_batch)


def _add_data_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", help="file, PMLB folder, sklearn:NAME, openml:ID or openml-task:ID")
    p.add_argument("--target", help="target column (default for files: target)")
    p.add_argument("--task", choices=["binary", "multiclass", "regression"], help="override the inferred task")
    p.add_argument("--categorical", type=_names, metavar="COL[,COL...]",
                   help="columns to read as categories, numbers included (e.g. integer codes)")


def _names(text: str) -> list[str]:
    """An argparse type: comma-separated names, each stripped of the spaces around it (``"a, b"``)."""
    return [name.strip() for name in text.split(",") if name.strip()]


def _add_recommend_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-n", type=_whole(1), default=10, help="how many configurations (default 10)")
    p.add_argument("--strategy", default="auto", help="auto, nearest, portfolio or surrogate (default auto)")
    p.add_argument("--metric", help="metric to optimize (default by task), e.g. accuracy")
    p.add_argument("--kb", help="knowledge-base folder (default: the shipped one)")
    _add_rounds_arg(p)
    p.add_argument("--n-jobs", type=_jobs, default=1,
                   help="hold-outs trained side by side (default 1; -1: one per CPU)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")


def _add_rounds_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rounds",
                   help="LightGBM's n_estimators: holdout (found on the data: early stopping on a 20%% hold-out, "
                        "one fit per configuration handed out; the default) or recommended (the knowledge base's; "
                        "no training; the default for the linear family, and in batch with --tune)")


def _add_parallel_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--n-jobs", type=_jobs, default=1, help="parallel workers (default 1)")
    p.add_argument("--scheduler", help="address of a Dask scheduler to run on (needs metahpo[dask])")


@contextlib.contextmanager
def parallel_backend(scheduler: str | None) -> Iterator[None]:
    """Run joblib work on the Dask cluster at ``scheduler``, or locally when it is None."""
    if scheduler is None:
        yield
        return
    try:
        from dask.distributed import Client
    except ImportError:
        raise MetahpoError("--scheduler needs Dask: pip install 'metahpo[dask]'") from None
    import joblib

    try:
        client = Client(scheduler)
    except (OSError, ValueError) as exc:  # ValueError: an address Dask cannot read (no port, unknown scheme)
        raise MetahpoError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    with client, joblib.parallel_config(backend="dask"):
        yield


def _load_data(args: argparse.Namespace):
    from metahpo.datasets import load

    return load(args.data, target=args.target, task=args.task, categorical=args.categorical)


def _print_table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> None:
    """Print text cells in aligned columns, the first left-aligned, the rest right-aligned."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = [str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        print("  ".join(cells).rstrip())


def _number(value: Any) -> str:
    """A table cell: four significant digits, a dash where there is no value, text as it is."""
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if isinstance(value, (int, bool)) or (hasattr(value, "is_integer") and value.is_integer() and abs(value) >= 1):
        return str(int(value))
    return f"{value:.4g}"


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, default=_json_default))


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _cmd_metafeatures(args: argparse.Namespace) -> int:
    from metahpo import metafeatures

    dataset = _load_data(args)
    values = metafeatures.extract(dataset)
    if args.json:
        _print_json({"dataset": dataset.name, "task": dataset.task,
                     "metafeatures": {k: _json_number(v) for k, v in values.items()}})
        return 0
    print(f"{dataset!r}")
    width = 28 + 1 + 12 + 1 + 12 + 2
    for row in metafeatures.describe().itertuples():
        lines = textwrap.wrap(row.description, TABLE_WIDTH - width) or [""]
        print(f"{row.name:<28} {row.group:<12} {values[row.name]:>12.5g}  {lines[0]}")
        for line in lines[1:]:
            print(" " * width + line)
    undefined = [name for name, value in values.items() if not math.isfinite(value)]
    if undefined:
        numeric = dataset.n_features - len(dataset.categorical)
        why = ("these data have no numeric feature, which the statistical meta-features describe" if numeric == 0
               else "correlations need two numeric features" if numeric == 1 else "")
        note = (f"nan: {plural(len(undefined), 'meta-feature')} not defined for these data ({preview(undefined, 3)}): "
                f"{why or 'see the descriptions'}.")
        print("\n" + textwrap.fill(note, TABLE_WIDTH, subsequent_indent="    "))
    return 0


def _json_number(value: float) -> float | int | None:
    """A meta-feature for JSON: None when missing, an integer when it is a count (``n_rows``)."""
    if value is None or not math.isfinite(value):
        return None
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else float(value)


def _cmd_recommend(args: argparse.Namespace) -> int:
    from metahpo.recommendations import recommend

    _check_writable(args.out)
    rec = recommend(_load_data(args), n=args.n, family=args.family, knowledge_base=args.kb, strategy=args.strategy,
                    metric=args.metric, rounds=args.rounds, n_jobs=args.n_jobs, verbose=not args.quiet)
    with _written_after(args.out, rec.best, "Top configuration"):
        if args.json:
            _print_json(rec.to_dict())
            return 0
        _print_recommendation(rec)
        print()
        for line in rec.explain().splitlines():  # within the tables' width, continuations indented
            print(textwrap.fill(line, TABLE_WIDTH, subsequent_indent="    "))
    _say_family(rec.family, rec.task)
    return 0


def _say_family(family: str, task: str) -> None:
    """Say on standard error how to rebuild a configuration of another family than LightGBM's, handed
    out as parameters alone: ``LGBMClassifier(**params)`` would take some of them (``alpha``) for its own."""
    if family != "lightgbm":
        to_stderr(f"these are the {family} family's parameters, not LightGBM's: "
                  f"metahpo.families.get_family({family!r}).make_estimator(params, {task!r}) rebuilds the model")


def _print_recommendation(rec: Any) -> None:
    """The configurations as columns and their parameters as rows, in blocks that fit the width."""
    from metahpo.families import get_family

    space = get_family(rec.family).space_for(rec.task)
    rounds = ["n_estimators"] if space.max_rounds else []
    labels = ["expected_normalized", f"expected_{rec.metric}", *space.names, *rounds]  # as to_frame names them
    columns = [[f"#{rank}", _number(c.expected_normalized), _number(c.expected_value),
                *(_number(c.params[name]) for name in labels[2:])] for rank, c in enumerate(rec.configs, 1)]
    room = TABLE_WIDTH - max(map(len, ["rank", *labels]))
    blocks: list[list[list[str]]] = [[]]
    for column in columns:  # as many configurations a block as fit the width, two spaces apart
        if blocks[-1] and sum(max(map(len, c)) + 2 for c in [*blocks[-1], column]) > room:
            blocks.append([])
        blocks[-1].append(column)
    for i, block in enumerate(blocks):
        if i:
            print()
        _print_table([[label, *(c[row] for c in block)] for row, label in enumerate(labels, 1)],
                     ["rank", *(c[0] for c in block)])


def _read_prior(path: str, family: str, task: str) -> Any:
    """The ``--prior`` table, checked against the family's parameters for ``task`` (errors name the file)."""
    from metahpo.datasets import read_table
    from metahpo.families import get_family
    from metahpo.tuning import check_prior

    prior = read_table(Path(path))[0]
    if family != "auto":  # tune itself refuses a prior shared by several families
        try:
            check_prior(prior, get_family(family).space_for(task))
        except MetahpoError as exc:
            raise DataError(f"{path}: {exc}") from None
    return prior


def _tune_sampler(args: argparse.Namespace) -> str | None:
    """The sampler ``--sampler`` names, or the deprecated ``--strategy`` (with a note on standard error)."""
    sampler = args.sampler
    if args.strategy is not None:
        if sampler is not None:
            raise ConfigError(f"give --sampler {sampler} or --strategy {args.strategy}, not both: --strategy is the "
                              "former name of --sampler")
        to_stderr("metahpo: warning: --strategy is renamed --sampler in metahpo tune (the same values); --strategy "
                  "will be removed")
        sampler = args.strategy
    sampler = "bayes" if sampler is None else sampler
    if sampler.strip().lower() == "none":
        return None
    from metahpo.search import SAMPLERS, check_sampler

    try:
        return check_sampler(sampler)
    except ConfigError:  # the library's message speaks Python (None, a BaseSampler); this one the command line
        raise ConfigError(f"unknown sampler {sampler!r}; choose {', '.join(SAMPLERS)}, or none for a cold "
                          "start") from None


def _cmd_tune(args: argparse.Namespace) -> int:
    sampler = _tune_sampler(args)
    if args.resume and args.record_to is None:  # tune's own checks, in the flags' words
        raise ConfigError("--resume continues the search --record-to holds: give --record-to too")
    if args.family == "auto" and (args.prior or args.record_to):
        raise ConfigError("--prior and --record-to hold one family's configurations: name it, --family lightgbm or "
                          "--family linear")
    if not args.quiet:  # before the imports and the data: the user sees at once that work began
        to_stderr(f"metahpo tune: loading {args.data}")
    from metahpo.tuning import tune

    _check_writable(args.out)
    data = _load_data(args)
    prior = _read_prior(args.prior, args.family, data.task) if args.prior else None
    n_trials = DEFAULT_TRIALS if args.n_trials is None and args.timeout is None else args.n_trials
    result = tune(data, n_trials=n_trials, timeout=args.timeout, sampler=sampler,
                  family=args.family, warm_start=args.warm_start if sampler else 0, cv=args.cv,
                  prune=args.prune, metric=args.metric, n_jobs=args.n_jobs, random_state=args.seed,
                  ensemble=args.ensemble, knowledge_base=args.kb, record_to=args.record_to, resume=args.resume,
                  prior=prior, verbose=not args.quiet)
    if args.quiet and not args.json:  # else the progress lines end with the best trial
        to_stderr(f"best {result.metric}: {result.best_score:.5f} ({result.family}) after "
                  f"{plural(len(result.trials), 'trial')} in {result.elapsed:.1f} s")
    if result.ensemble is not None and not args.json:
        spec = result.ensemble
        to_stderr(f"ensemble of {plural(len(spec.members), 'member')} ({spec.method}): {spec.metric} of the "
                  f"out-of-fold predictions, all folds pooled, {spec.oof_score:.5f} against "
                  f"{spec.single_best_oof_score:.5f} for the best trial alone (whose score above is its folds' mean)")
    document = result.to_dict()
    try:
        with _written_after(args.out, document, "Result"):  # standard output: the JSON alone
            _print_json(document if args.json else result.best_params)
    except BrokenPipeError:  # the reader went away (as in main), but the status still says the search was cut short
        silence(sys.stdout)
    if not args.json:
        _say_family(result.family, result.dataset.task)
    return 130 if result.interrupted else 0  # the best of the trials run is printed and written, the caller told


def _check_writable(path: str | None) -> None:
    """A :class:`MetahpoError` now, before any work, if ``--out`` cannot be written."""
    if path is None:
        return
    target = Path(path)
    folder = target.parent
    if target.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
        why = "it is a folder" if target.is_dir() else f"{folder} is not a folder one can write in"
        raise MetahpoError(f"cannot write {path}: {why}")


@contextlib.contextmanager
def _written_after(path: str | None, obj: Any, what: str) -> Iterator[None]:
    """Write ``obj`` as JSON to ``path`` (``--out``; None: nowhere) after the block, which prints the
    result, and say so on standard error: a write that fails leaves the result on standard output,
    and a reader of standard output gone (``| head``) leaves the file."""
    try:
        yield
    except BaseException:  # the reader gone, an interrupt: still written, and that error is the one raised
        if path is not None:
            try:
                _write_json(path, obj)
            except MetahpoError as exc:
                to_stderr(f"metahpo: error: {exc}")
            else:
                to_stderr(f"{what} written to {path}")
        raise
    if path is not None:
        _write_json(path, obj, printed=True)
        to_stderr(f"{what} written to {path}")


def _write_json(path: str, obj: Any, printed: bool = False) -> None:
    """Write ``obj`` as JSON to ``path`` whole or not at all, through a temporary file of its own
    (a kill, or another process writing ``path``, leaves the old file or a whole new one); the error
    says whether the result was ``printed`` on standard output."""
    from metahpo.files import atomic_write

    text = json.dumps(obj, indent=2, default=_json_default)
    try:
        atomic_write(Path(path), text.encode())
    except OSError as exc:
        where = "; the result is printed on standard output" if printed else ""
        raise MetahpoError(f"cannot write {path}: {exc.strerror}{where}") from None


def _cmd_batch(args: argparse.Namespace) -> int:
    from metahpo import batch

    if args.ensemble is not None and not args.tune:
        raise MetahpoError("--ensemble needs --tune N: an ensemble is made of tuned trials")
    with parallel_backend(args.scheduler):
        table = batch.run_batch(args.inputs, args.out, target=args.target, n=args.n, tune_trials=args.tune,
                                ensemble=args.ensemble, n_jobs=args.n_jobs, knowledge_base=args.kb,
                                strategy=args.strategy, cv=args.cv, max_rows=args.max_rows, family=args.family,
                                rounds=args.rounds)
    out = Path(args.out)
    failed = table.loc[table["status"] != "ok", "dataset_id"].tolist()
    ok = len(table) - len(failed)
    try:
        print(f"{plural(len(table), 'dataset')}: {ok} ok, {len(failed)} failed"
              + (f" ({', '.join(failed[:5])}{', ...' if len(failed) > 5 else ''}: errors in {out / batch.CSV})"
                 if failed else ""))
        for name in (batch.CSV, batch.JSON, batch.RECORDS, batch.REPORT):
            print(out / name)
        print(f"{out / batch.PARAMS}/ (parameters of {plural(ok, 'dataset')})")
    except BrokenPipeError:  # the reader went away (as in main), but the status still says datasets failed
        silence(sys.stdout)
    return 1 if failed else 0


def _cmd_kb_build(args: argparse.Namespace) -> int:
    from metahpo.build import PHASES, Builder, find_sources, sized
    from metahpo.knowledge_base import read_manifest

    named = {p.strip() for p in args.phases.split(",") if p.strip()}
    unknown = sorted(named - set(PHASES))
    if unknown or not named:
        what = ("names no phase" if not named else
                f"{', '.join(unknown)} {'is not a phase' if len(unknown) == 1 else 'are not phases'}")
        raise MetahpoError(f"--phases {args.phases}: {what}; phases are {', '.join(PHASES)}")
    phases = [p for p in PHASES if p in named]  # each needs the ones before it: they run in this order
    try:
        sizes = [int(v) for v in args.sizes.split(",") if v.strip()]
        larger = all(size > args.max_rows for size in sizes)
    except ValueError:
        larger = False
    if not larger:
        raise MetahpoError(f"--sizes takes whole numbers of rows above --max-rows ({args.max_rows}) separated by "
                           f"commas, got {args.sizes!r}")
    sources = sized(find_sources(args.inputs, args.target), args.max_rows, sizes)
    if not sources:  # before the folder is made
        raise DataError(f"no dataset found in {', '.join(args.inputs)}")
    family = args.family
    if args.reevaluate:  # the family is the knowledge base's (the rest is checked before the folder is made)
        family = read_manifest(Path(args.reevaluate))["family"]
    builder = Builder(args.out, sources, n_random=args.n_random, n_local=args.n_local, n_search=args.n_search,
                      pool_size=args.pool_size, max_rows=args.max_rows, cv=args.cv, family=family,
                      timeout=args.timeout, n_jobs=args.n_jobs)
    with parallel_backend(args.scheduler):
        kb = builder.reevaluate(args.reevaluate) if args.reevaluate else builder.run(phases)
    try:
        _print_json(kb.info())
    except BrokenPipeError:  # the reader went away (as in main), but the summary and the status still tell
        silence(sys.stdout)
    described = set(kb.datasets["dataset_id"])
    unusable = [s.dataset_id for s in sources if s.dataset_id not in described]
    if unusable:
        why = (f"not in {args.reevaluate}" if args.reevaluate else "the describe lines say why" if "describe" in phases
               else "not described yet: run the describe phase")
        to_stderr(f"metahpo kb build: {plural(len(unusable), 'dataset')} of {len(sources)} could not be used "
                  f"({', '.join(unusable[:5])}{', ...' if len(unusable) > 5 else ''}; {why})")
    if len(kb.runs) and not kb.runs["status"].eq("ok").any():
        counts = ", ".join(f"{n} {status}" for status, n in kb.runs["status"].value_counts().items())
        to_stderr(f"metahpo kb build: no run succeeded ({counts}): the runs' errors say why")
        return 1
    ran = kb.runs.groupby("dataset_id")["status"].agg(lambda status: status.eq("ok").any())
    fruitless = [s.dataset_id for s in sources if not ran.get(s.dataset_id, True)]
    if fruitless:
        error = kb.runs.loc[kb.runs["dataset_id"].eq(fruitless[0]), "error"].dropna().astype(str)
        to_stderr(f"metahpo kb build: {plural(len(fruitless), 'dataset')} of {len(sources)} ran no configuration "
                  f"successfully ({', '.join(fruitless[:5])}{', ...' if len(fruitless) > 5 else ''}; {fruitless[0]}: "
                  f"{error.iloc[-1][:200] if len(error) else 'no error recorded'})")
    return 1 if unusable or fruitless or not described else 0


def _cmd_kb_info(args: argparse.Namespace) -> int:
    from metahpo.knowledge_base import resolve

    if args.path is not None and args.zero_shot:
        raise MetahpoError("--zero-shot reads the shipped knowledge base with its zero-shot part; a folder is read "
                           "as it is: give one or the other")
    info = resolve(args.path, zero_shot=args.zero_shot).info()
    if args.json:
        _print_json(info)
        return 0
    width = max(map(len, info))
    for key, value in info.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items())
        elif isinstance(value, float):
            value = f"{value:.4g}"
        print(f"{key:>{width}}  {value}")
    return 0


def _cmd_kb_compact(args: argparse.Namespace) -> int:
    from metahpo import knowledge_base

    knowledge_base.compact(args.path)
    _print_json(knowledge_base.KnowledgeBase.load(args.path).info())
    return 0


def _cmd_kb_import_openml(args: argparse.Namespace) -> int:
    from metahpo import knowledge_base, openml_runs

    _check_appendable(args.out)  # before the download
    kb = openml_runs.import_runs(args.flow, metric=args.metric, limit=args.limit)
    # runs the folder holds keep their scores on other metrics; the counts of the import are printed, as a
    # folder's manifest keeps its first
    knowledge_base.append_keeping_scores(args.out, kb, openml_runs.OPENML_METRICS[args.metric][0])
    counts = (kb.provenance or {}).get("openml_import", {})
    _print_json({"openml_import": counts, **knowledge_base.KnowledgeBase.load(args.out).info()})
    return 0


def _check_appendable(out: str) -> None:
    """Refuse, before any work, an ``--out`` that cannot take LightGBM runs: a file, a knowledge
    base of another family, or parts without a manifest."""
    from metahpo.knowledge_base import check_unmanifested, read_manifest

    path = Path(out)
    if path.exists() and not path.is_dir():
        raise MetahpoError(f"--out {out} is a file: it names a knowledge-base folder (created if absent)")
    check_unmanifested(path)
    if (path / "manifest.json").exists() and (family := read_manifest(path)["family"]) != "lightgbm":
        raise MetahpoError(f"--out {out} holds a {family} knowledge base: LightGBM runs go to another folder")


def _cmd_kb_ingest(args: argparse.Namespace) -> int:
    from metahpo import knowledge_base
    from metahpo.build import ingest
    from metahpo.datasets import read_table

    _check_appendable(args.out)
    history = read_table(Path(args.history))[0]
    counts = ingest(args.out, _load_data(args), history, metric=args.metric, greater_is_better=not args.minimize)
    _print_json({**counts, **knowledge_base.KnowledgeBase.load(args.out).info()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
