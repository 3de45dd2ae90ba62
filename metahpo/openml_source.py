"""OpenML as a source of datasets.

:func:`load_dataset` and :func:`load_task` make a :class:`~metahpo.datasets.Dataset` of an OpenML
dataset or task; they serve the ``openml:ID`` and ``openml-task:ID`` specs of
:func:`metahpo.datasets.load`. (Past runs on OpenML become knowledge-base rows in
:mod:`metahpo.openml_runs`, which builds on the plumbing here.)

Everything goes through the ``openml`` package and its cache directory (by default
``openml.config.get_cache_directory()``), so a dataset or task fetched once loads again offline.
What cannot be fetched raises a one-line :class:`~metahpo.exceptions.DataError` that says why:
offline, unknown id, or an error of the server.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from xml.parsers.expat import ExpatError

import arff  # liac-arff, openml's reader of the files it caches
import numpy as np
import openml
import pandas as pd
import requests
import urllib3
from openml.exceptions import (
    OpenMLCacheException,
    OpenMLHashException,
    OpenMLPrivateDatasetError,
    OpenMLServerError,
    OpenMLServerException,
)
from openml.tasks import TaskType

from metahpo.datasets import Dataset, check_target, from_arrays
from metahpo.exceptions import DataError, MetahpoError

_TASK_KINDS: dict[TaskType, tuple[str, ...]] = {
    TaskType.SUPERVISED_CLASSIFICATION: ("binary", "multiclass"),
    TaskType.SUPERVISED_REGRESSION: ("regression",),
}
_UNKNOWN_DATASET = 111
_UNKNOWN_TASK = 151
"""Error codes of the OpenML server for an id it does not know."""


# --------------------------------------------------------------------------- datasets and tasks


def load_dataset(
    dataset_id: int,
    *,
    target: str | None = None,
    task: str | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> Dataset:
    """Load an OpenML dataset.

    Parameters
    ----------
    dataset_id : int
        The OpenML dataset id.
    target : str, optional
        The target column (default: the dataset's default target attribute).
    task : {"binary", "multiclass", "regression"}, optional
        Override the task. Otherwise, as on OpenML, a target it marks nominal makes a classification
        task (binary or multiclass from its classes), any other a regression task.
    cache_dir : str or path, optional
        The openml package's root cache directory (default: its configured one). Files cached there
        are used without a connection.

    Returns
    -------
    Dataset
        Named as on OpenML, with source ``openml:ID``. Nominal attributes are categorical; the row id
        and ignored attributes of the dataset are left out (an ignored attribute may be the target).

    Raises
    ------
    DataError
        If OpenML cannot be reached and the dataset is not cached, the id is unknown, a cached file is
        damaged, the dataset has no default target and none is given, the target is not a column,
        or the dataset is stored as sparse ARFF with a text attribute.
    """
    dataset_id = _check_id(dataset_id, "dataset")
    with cache_root(cache_dir):
        return _fetch_dataset(dataset_id, target=target, task=task, source=f"openml:{dataset_id}")


def load_task(
    task_id: int,
    *,
    target: str | None = None,
    task: str | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> Dataset:
    """Load the dataset and target of an OpenML supervised classification or regression task.

    Parameters
    ----------
    task_id : int
        The OpenML task id.
    target : str, optional
        Accepted only if it is the task's own target.
    task : {"binary", "multiclass", "regression"}, optional
        Must fit the task type (default: regression for a regression task, else binary or multiclass
        from the number of classes, whatever the target's type).
    cache_dir : str or path, optional
        The openml package's root cache directory (default: its configured one).

    Returns
    -------
    Dataset
        The task's dataset with the task's target, source ``openml-task:ID``.

    Raises
    ------
    DataError
        If the task cannot be fetched, is of another type, or ``target`` / ``task`` contradict it.
    """
    task_id = _check_id(task_id, "task")
    with cache_root(cache_dir):
        what = f"task {task_id}"
        with openml_errors(what, DataError, _cache_hint("tasks", task_id), not_found=_UNKNOWN_TASK):
            try:
                oml_task = openml.tasks.get_task(task_id, download_splits=False)
            except NotImplementedError as exc:  # a task type the openml package cannot represent
                raise DataError(
                    f"OpenML {what}: {exc} metahpo supports supervised classification and regression"
                ) from None
        kinds = _TASK_KINDS.get(oml_task.task_type_id)
        if kinds is None:
            raise DataError(
                f"OpenML {what} is a {oml_task.task_type} task; metahpo supports supervised classification "
                "and regression tasks"
            )
        if target is not None and target != oml_task.target_name:
            raise DataError(
                f"OpenML {what} predicts {oml_task.target_name!r}, not {target!r}; "
                f"load openml:{oml_task.dataset_id} with target={target!r} instead"
            )
        if task is not None and task not in kinds:
            raise DataError(f"OpenML {what} is a {oml_task.task_type} task; task={task!r} does not fit it")
        return _fetch_dataset(
            oml_task.dataset_id, target=oml_task.target_name, task=task, source=f"openml-task:{task_id}",
            classes=kinds != ("regression",),
        )


def _fetch_dataset(
    dataset_id: int, *, target: str | None, task: str | None, source: str, classes: bool | None = None
) -> Dataset:
    """Load dataset ``dataset_id`` through the openml package, with its current cache directory.

    ``classes`` says whether the target holds classes (default: whether OpenML marks it nominal).
    """
    with _without_parquet_warning():
        return _fetched_dataset(dataset_id, target=target, task=task, source=source, classes=classes)


class _ParquetWarning(logging.Filter):
    """openml's warning that it could not download a dataset's parquet file. It then reads the
    dataset's ARFF file (the one it cached, offline), and what it cannot read either is a
    :class:`DataError` of ours, so the warning only alarms a user whose data loads."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Could not download file from")


@contextmanager
def _without_parquet_warning() -> Iterator[None]:
    logger, quiet = logging.getLogger("openml.datasets.functions"), _ParquetWarning()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def _fetched_dataset(
    dataset_id: int, *, target: str | None, task: str | None, source: str, classes: bool | None
) -> Dataset:
    what = f"dataset {dataset_id}"
    hint = _cache_hint("datasets", dataset_id)
    with openml_errors(what, DataError, hint, not_found=_UNKNOWN_DATASET):
        oml_dataset = openml.datasets.get_dataset(dataset_id, download_data=False)
    label = f"OpenML dataset {dataset_id} ({oml_dataset.name})"
    target = target or oml_dataset.default_target_attribute
    if not target:
        raise DataError(f"{label} has no default target; name its column: target='name' (--target NAME)")
    if "," in target:
        raise DataError(f"{label} has several targets ({target}); name one: target='name' (--target NAME)")
    sparse = str(oml_dataset.format).lower() == "sparse_arff"
    with openml_errors(what, DataError, hint, not_found=_UNKNOWN_DATASET):
        try:
            # with the ignored attributes, dropped below: the target asked for may be one of them
            frame, _, categorical, names = oml_dataset.get_data(include_ignore_attribute=True)
        except (TypeError, ValueError):  # openml 0.15 under pandas 3 cannot read a sparse one's nominal attributes
            if not sparse or oml_dataset.data_file is None:
                raise
        if sparse:  # openml reads nominal values as their numbers (under pandas 2), or not at all: read the file
            frame, categorical, names = _sparse_arff(oml_dataset.data_file, label, oml_dataset.row_id_attribute)
    ignored = oml_dataset.ignore_attribute or []
    keep = [name == target or name not in ([ignored] if isinstance(ignored, str) else ignored) for name in names]
    frame = frame.loc[:, keep]
    categorical, names = [c for c, k in zip(categorical, keep) if k], [n for n, k in zip(names, keep) if k]
    if target not in frame.columns:
        check_target(target, frame.columns, label)
    nominal = categorical[names.index(target)]
    if task is None and (nominal if classes is None else classes):
        task = "binary" if frame[target].nunique() <= 2 else "multiclass"
    elif task is None:
        task = "regression"
    return from_arrays(
        frame.drop(columns=[target]),
        frame[target],
        task=task,
        name=oml_dataset.name,
        source=source,
        categorical=[name for name, is_nominal in zip(names, categorical) if is_nominal and name != target],
    )


def _sparse_arff(
    path: str | os.PathLike, label: str, row_id: str | None
) -> tuple[pd.DataFrame, list[bool], list[str]]:
    """The data of a sparse ARFF file as :meth:`openml.OpenMLDataset.get_data` gives it (the frame
    without the row-id attribute, which attributes are nominal, their names), nominal values as
    their labels. An attribute a row leaves out is 0 (for a nominal one, its first label); ``?`` is
    missing."""
    with open(path, encoding="utf-8") as fh:
        data = arff.load(fh, encode_nominal=True, return_type=arff.LOD)
    names = [name for name, _ in data["attributes"]]
    kinds = [kind for _, kind in data["attributes"]]
    if "STRING" in kinds:
        raise DataError(f"{label} is stored as sparse ARFF with a text attribute "
                        f"({names[kinds.index('STRING')]}), which metahpo cannot read")
    values = np.zeros((len(data["data"]), len(names)))
    for i, row in enumerate(data["data"]):
        for j, value in row.items():
            values[i, j] = np.nan if value is None else value
    columns = {}
    for j, (name, kind) in enumerate(zip(names, kinds)):
        if isinstance(kind, list):
            if not kind or len(set(kind)) < len(kind):
                listed = "no value" if not kind else "a value twice"
                raise DataError(f"{label}'s nominal attribute {name} lists {listed} ({', '.join(map(repr, kind))}): "
                                f"its file cannot be read")
            codes = np.where(np.isnan(values[:, j]), -1, values[:, j]).astype(int)
            columns[name] = pd.Categorical.from_codes(codes, categories=kind)
        else:
            columns[name] = values[:, j]
    frame = pd.DataFrame(columns).drop(columns=[row_id] if row_id in names else [])
    return frame, [isinstance(kind, list) for name, kind in zip(names, kinds) if name != row_id], list(frame.columns)


# --------------------------------------------------------------------------- openml plumbing


@contextmanager
def cache_root(cache_dir: str | os.PathLike | None) -> Iterator[None]:
    """Make ``cache_dir`` openml's root cache directory while the block runs (if given).

    openml's configuration is global, so calls with different ``cache_dir`` must not run in
    parallel threads.
    """
    if cache_dir is None:
        yield
        return
    previous = openml.config.get_config_as_dict()["cachedir"]
    openml.config.set_root_cache_directory(os.path.expanduser(cache_dir))
    try:
        yield
    finally:
        openml.config.set_root_cache_directory(previous)


def _check_id(object_id: object, kind: str) -> int:
    """``object_id`` as an ``int`` (which openml requires, not numpy's); a :class:`DataError` unless it is a
    positive whole number."""
    if isinstance(object_id, bool) or not isinstance(object_id, (int, np.integer)) or object_id < 1:
        raise DataError(f"the OpenML {kind} id must be a positive whole number, got {object_id!r}")
    return int(object_id)


def _cache_hint(kind: str, object_id: int) -> str:
    folder = os.path.join(openml.config.get_cache_directory(), kind, str(object_id))
    return f"cached files are used when present at {folder}"


@contextmanager
def openml_errors(
    what: str, error: type[MetahpoError], hint: str, not_found: int | None = None
) -> Iterator[None]:
    """Re-raise the openml package's failures about ``what`` as one-line ``error``s, without the chain.

    ``not_found`` is the server's error code for an unknown id.
    """
    try:
        yield
    except OpenMLPrivateDatasetError:
        raise error(f"{what} is private on OpenML; configure an API key that may access it") from None
    except OpenMLServerException as exc:
        if exc.code == not_found:
            raise error(f"OpenML has no {what}") from None
        raise error(f"OpenML refused {what} (code {exc.code}: {_first_line(exc.message)}); {hint}") from None
    except (OpenMLServerError, OpenMLHashException) as exc:
        raise error(f"OpenML failed to serve {what} ({_first_line(exc.message)}); {hint}") from None
    except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError) as exc:
        raise error(f"cannot reach OpenML to fetch {what} (offline?); {type(exc).__name__}; {hint}") from None
    except OpenMLCacheException as exc:
        raise error(f"openml's cache cannot hold {what} ({_first_line(str(exc))}); give it a folder it can write "
                    f"(cache_dir=, or openml.config.set_root_cache_directory)") from None
    except (arff.ArffException, ExpatError) as exc:  # a cached ARFF or XML file cut short (openml writes in place)
        raise error(f"a cached file of {what} cannot be read ({_first_line(str(exc))}); remove it to fetch it "
                    f"again ({hint})") from None
    except MetahpoError:
        raise
    except (ValueError, KeyError) as exc:  # openml's parsing of a malformed response or cached file
        raise error(f"OpenML's description or data of {what} cannot be read ({type(exc).__name__}: "
                    f"{_first_line(str(exc))}); {hint}") from None
    except Exception as exc:
        if type(exc) is not Exception or not str(exc).startswith("File: "):
            raise
        # openml's wrapping of pandas' failure to read a cached parquet file (a download cut short)
        raise error(f"a cached file of {what} cannot be read ({str(exc).removeprefix('File: ')}: "
                    f"{_first_line(str(exc.__cause__))}); remove it to fetch it again ({hint})") from None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "no message"
