"""Datasets: one :class:`Dataset` type and :func:`load`, which makes one from anything.

``load`` accepts

* a :class:`Dataset` (returned as is, or with its task overridden),
* a :class:`pandas.DataFrame` plus ``target=`` (the name of the target column),
* features and target as arrays or frames (a dict of columns too, or anything with ``to_pandas()``,
  such as a pyarrow Table), ``load(X, y)``,
* a path to a CSV, TSV (optionally gzipped), Parquet or ARFF file plus ``target=``,
* a folder in the PMLB layout (``NAME/NAME.tsv.gz`` and ``NAME/metadata.yaml``),
* ``"sklearn:NAME"`` for the datasets scikit-learn ships
  (``breast_cancer``, ``iris``, ``wine``, ``digits``, ``diabetes``),
* ``"openml:ID"`` (an OpenML dataset id) or ``"openml-task:ID"`` (an OpenML task id),
  through the ``openml`` package and its cache directory.

Bad input raises :class:`~metahpo.exceptions.DataError` with a message naming the problem.
"""

from __future__ import annotations

import datetime
import decimal
import difflib
import hashlib
import math
import os
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from metahpo.exceptions import DataError, DataWarning, warn
from metahpo.progress import plural, preview

TASKS = ("binary", "multiclass", "regression")

SKLEARN_DATASETS = ("breast_cancer", "iris", "wine", "digits", "diabetes")

_MAX_CLASSES_INFERRED = 30
"""An integer-valued target with more distinct values than this is inferred as regression."""


def subsample_rows(y: np.ndarray, stratify: bool, n_rows: int, random_state: int = 0,
                   min_per_class: int = 1) -> np.ndarray:
    """Sorted positions of at most ``n_rows`` rows, drawn without replacement: stratified by the
    labels ``y`` if ``stratify``, each class keeping at least ``min_per_class`` rows (all it has, if
    fewer) where ``n_rows`` allows it, and at least one row while ``n_rows`` holds one of each class."""
    if len(y) <= n_rows:
        return np.arange(len(y))
    rng = np.random.default_rng(random_state)
    if not stratify:
        return np.sort(rng.choice(len(y), size=n_rows, replace=False))
    codes = pd.factorize(y)[0]
    counts = np.bincount(codes)
    least = np.minimum(counts, max(1, min(min_per_class, n_rows // len(counts))))  # all that n_rows can hold
    quota = np.maximum(least, np.floor(counts * n_rows / len(y))).astype(int)
    while quota.sum() > n_rows and (quota > least).any():  # rare classes took their least rows each
        quota[np.argmax(np.where(quota > least, quota, -1))] -= 1
    order = rng.permutation(len(y))
    rank = pd.Series(codes[order]).groupby(codes[order]).cumcount().to_numpy()
    keep = order[rank < quota[codes[order]]]
    rest = np.setdiff1d(order, keep)
    fill = rng.choice(rest, size=max(0, n_rows - len(keep)), replace=False)
    return np.sort(np.concatenate([keep, fill])[:n_rows])


@dataclass(frozen=True, eq=False)
class Dataset:
    """A supervised tabular dataset.

    Parameters
    ----------
    X : pandas.DataFrame
        Features. Categorical columns have the ``category`` dtype; all others are numeric.
    y : pandas.Series
        Target, aligned with ``X``. Class labels for classification, floats for regression.
    task : {"binary", "multiclass", "regression"}
        The learning task.
    name : str
        A short name used in reports and in the knowledge base.
    source : str
        Where the data came from (a path, ``sklearn:iris``, ``openml:31``, ...).
    """

    X: pd.DataFrame
    y: pd.Series
    task: str
    name: str = "dataset"
    source: str = ""
    categorical: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        cats = tuple(c for c, dtype in self.X.dtypes.items() if isinstance(dtype, pd.CategoricalDtype))
        object.__setattr__(self, "categorical", cats)

    @property
    def n_rows(self) -> int:
        """The number of rows."""
        return len(self.X)

    @property
    def n_features(self) -> int:
        """The number of feature columns."""
        return self.X.shape[1]

    @property
    def is_classification(self) -> bool:
        """Whether the task is binary or multiclass."""
        return self.task != "regression"

    @property
    def classes(self) -> np.ndarray:
        """Sorted class labels (empty for regression)."""
        if not self.is_classification:
            return np.array([])
        return np.sort(self.y.unique())

    def fingerprint(self) -> str:
        """A short hash of the data (features and target), the same for the same data."""
        target = "_target"
        while target in self.X.columns:  # a feature of that name is hashed too, not replaced by the target
            target = f"_{target}"
        hashed = pd.util.hash_pandas_object(self.X.assign(**{target: self.y}), index=False).to_numpy()
        return hashlib.sha1(hashed.tobytes()).hexdigest()[:10]

    def take(self, rows: np.ndarray) -> Dataset:
        """The dataset restricted to ``rows`` (positions), re-indexed from 0."""
        return replace(self, X=self.X.iloc[rows].reset_index(drop=True), y=self.y.iloc[rows].reset_index(drop=True))

    def subsample(self, n_rows: int, random_state: int = 0, min_per_class: int = 1) -> Dataset:
        """Return at most ``n_rows`` rows, drawn without replacement (stratified for classification).

        Every class keeps at least ``min_per_class`` rows (all it has, if fewer) where ``n_rows``
        allows it.
        """
        if self.n_rows <= n_rows:
            return self
        return self.take(subsample_rows(self.y.to_numpy(), self.is_classification, n_rows, random_state,
                                        min_per_class))

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, task={self.task!r}, rows={self.n_rows}, "
            f"features={self.n_features}, categorical={len(self.categorical)})"
        )


def load(
    data: Any,
    y: Any = None,
    *,
    target: str | None = None,
    task: str | None = None,
    name: str | None = None,
    categorical: list[str] | None = None,
) -> Dataset:
    """Make a :class:`Dataset` from any supported input.

    Parameters
    ----------
    data : Dataset, DataFrame, array-like, str or Path
        The data; see the module docstring for every accepted form.
    y : array-like, optional
        The target, when ``data`` holds only the features.
    target : str, optional
        Name of the target column in a frame or file (default for files: ``target``).
    task : {"binary", "multiclass", "regression"}, optional
        Override the inferred task.
    name : str, optional
        Name of the dataset (default: from the file, OpenML, or ``"dataset"``).
    categorical : list of str, optional
        Columns to treat as categorical in addition to non-numeric ones.

    Returns
    -------
    Dataset
    """
    if task is not None and task not in TASKS:
        raise DataError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    if isinstance(data, Dataset):
        if y is not None or target is not None:
            raise DataError("a Dataset already holds its target; do not pass y or target")
        if categorical is not None:
            raise DataError("a Dataset's columns are made already: pass categorical= to the load that made it")
        given = {k: v for k, v in (("task", task), ("name", name)) if v is not None}
        return check_dataset(replace(data, **given) if given else data)
    if isinstance(data, tuple) and len(data) == 2 and y is None:
        data, y = data
    if isinstance(data, (str, Path)):
        if y is not None:
            raise DataError(f"{str(data)!r} names data that hold their target: pass target='column', not y")
        return _load_spec(str(data), target=target, task=task, name=name, categorical=categorical)
    if y is None:
        data = as_pandas(data)
        if not isinstance(data, pd.DataFrame):
            raise DataError("pass the target: load(X, y), or a DataFrame with target='column'")
        if target is None:
            raise DataError("a DataFrame needs target='column name' (or pass y separately)")
        check_columns(data.columns)
        check_target(target, data.columns)
        y, data = data[target], data.drop(columns=[target])
    elif target is not None:
        raise DataError("pass either y or target, not both")
    elif isinstance(y, str):
        raise DataError(f"y is the text {y!r}, not a target: to name the target column, pass target={y!r}")
    return from_arrays(data, y, task=task, name=name or "dataset", categorical=categorical)


_UNSAFE = re.compile(r'[",:\[\]{}\s]')
"""Characters LightGBM refuses in a feature name (they would break its JSON model dump), and
whitespace, which it replaces by ``_`` itself."""


def safe_name(column: Any) -> str:
    """A column's name as metahpo and LightGBM use it: text, with ``" , : [ ] { }`` and whitespace
    replaced by ``_`` (an empty name is ``_``)."""
    return _UNSAFE.sub("_", str(column)) or "_"


def safe_columns(columns: pd.Index) -> list[str]:
    """The :func:`safe_name` of each column, or a :class:`DataError` naming two columns that are
    the same, as given or once made safe (LightGBM cannot tell them apart)."""
    check_columns(columns)
    seen: dict[str, Any] = {}
    for column in columns:
        name = safe_name(column)
        if name in seen:
            raise DataError(f"duplicate column names once made safe for LightGBM: {seen[name]!r} and {column!r} "
                            f"are both {name!r} (it replaces \" , : [ ] {{ }} and whitespace by '_'); rename one")
        seen[name] = column
    return list(seen)


def from_arrays(
    X: Any,
    y: Any,
    *,
    task: str | None = None,
    name: str = "dataset",
    source: str = "",
    categorical: list[str] | None = None,
) -> Dataset:
    """Make a :class:`Dataset` from features and target, cleaning and validating both."""
    X, y = as_pandas(X), as_pandas(y)
    check_pairing(X, y)
    frame = X.copy(deep=False) if isinstance(X, pd.DataFrame) else _array_to_frame(X)  # the values are not changed
    frame.columns = safe_columns(frame.columns)
    target = _one_dimensional(y)
    if len(target) != len(frame):
        raise DataError(f"X has {len(frame)} rows but y has {len(target)}")
    frame = frame.reset_index(drop=True)
    categorical = {safe_name(c) for c in categorical or ()}
    check_categorical(categorical, frame.columns)
    # one new frame of the cleaned columns: assigning them one by one is quadratic in their number
    frame = pd.DataFrame({col: _clean_column(values, col, force_categorical=col in categorical)
                          for col, values in frame.items()}, index=frame.index)
    declared = isinstance(target.dtype, pd.CategoricalDtype)  # a pandas categorical is classes, whatever it holds
    cleaned = _clean_target(target, task)
    inferred = infer_task(target if declared else cleaned, name) if task is None else task
    target = cleaned
    if inferred != "regression":
        target = target.astype(object) if target.dtype.kind == "O" else target
    else:
        target = target.astype(float)
    dataset = check_dataset(Dataset(frame, target, inferred, name=name, source=source))
    if dataset.is_classification:
        _warn_of_alike_classes(target, name)
    if not (frame.nunique(dropna=False) > 1).any():  # missing or not is a split too
        warn(f"every feature of {name!r} is constant: no model can tell its rows apart, so it can only "
             f"predict the {'majority class' if dataset.is_classification else 'mean'}, whatever the "
             f"hyperparameters", DataWarning)
    scale = 0.0 if dataset.is_classification else float(np.std(target.to_numpy(dtype=float)))
    if 0 < scale < SMALL_TARGET_SCALE:
        warn(f"the target of {name!r} has a standard deviation of {scale:.2g}: LightGBM's min_split_gain and "
             f"reg_alpha are in the target's units, and the knowledge base's values were found on targets of "
             f"larger scale; here they may stop every split (a constant model; the linear family's penalty "
             f"scales with the target, unaffected). Divide the target by its standard deviation first, and "
             f"multiply the predictions back", DataWarning)
    return dataset


def _warn_of_alike_classes(y: pd.Series, name: str) -> None:
    """A :class:`~metahpo.exceptions.DataWarning` naming classes whose text differs only in case or
    surrounding spaces ("yes" and "Yes "): most often one class typed two ways."""
    labels = pd.Series(pd.unique(y.dropna()))
    text = labels[labels.map(lambda label: isinstance(label, str))]
    groups = text.groupby(text.map(lambda label: label.strip().casefold())).agg(list) if len(text) else []
    alike = [", ".join(map(repr, group)) for group in groups if len(group) > 1]
    if alike:
        warn(f"the target of {name!r} holds classes that differ only in case or spaces ({'; '.join(alike[:3])}"
             f"{'; ...' if len(alike) > 3 else ''}): each is a class of its own; if they are one, make their "
             f"text the same", DataWarning)


SMALL_TARGET_SCALE = 0.03
"""A regression target's standard deviation below which :func:`from_arrays` warns: below the
smallest of the knowledge base's regression targets (0.044), where the recommended
``min_split_gain`` and ``reg_alpha``, in the target's units, were never tried (at 0.001 they made
constant models)."""


def infer_task(y: pd.Series, name: str = "dataset") -> str:
    """Infer the task from a target: text, booleans and few distinct integers are classes.

    An integer target with more than 30 distinct values is taken for a quantity (regression), with
    a :class:`~metahpo.exceptions.DataWarning` if they look like class codes (every whole number
    from the least to the greatest).
    """
    values = y.dropna()
    n_unique = values.nunique()
    if values.dtype.kind in "OUSb" or isinstance(values.dtype, pd.CategoricalDtype) or not _quantity(values):
        return "binary" if n_unique <= 2 else "multiclass"
    if _whole(values) and n_unique == values.max() - values.min() + 1:
        warn(f"the target of {name!r} holds {n_unique} distinct whole numbers, more than "
             f"{_MAX_CLASSES_INFERRED}: taken for a quantity (regression); if they are classes, say so "
             f"with task='multiclass' (--task multiclass)", DataWarning)
    return "regression"


def _quantity(values: pd.Series) -> bool:
    """Whether numbers (no missing ones) are a quantity rather than class codes: not all whole, or
    more than :data:`_MAX_CLASSES_INFERRED` distinct values."""
    return not _whole(values) or values.nunique() > _MAX_CLASSES_INFERRED


def _whole(values: pd.Series) -> bool:
    """Whether numbers (no missing ones) are all whole."""
    return values.dtype.kind in "iu" or bool(np.all(np.mod(values.to_numpy(float), 1) == 0))


def check_dataset(dataset: Dataset, cv: int = 2) -> Dataset:
    """Raise :class:`DataError` if ``dataset`` cannot be learned from with ``cv`` folds."""
    if dataset.task not in TASKS:
        raise DataError(f"unknown task {dataset.task!r}; expected one of {', '.join(TASKS)}")
    if dataset.n_rows == 0:
        raise DataError(f"dataset {dataset.name!r} is empty (no rows)")
    if dataset.n_features == 0:
        raise DataError(f"dataset {dataset.name!r} has no feature columns")
    if dataset.n_rows < 2:  # whatever the folds (load checks before any are asked for)
        raise DataError(f"dataset {dataset.name!r} has 1 row: nothing can be learned and scored from it")
    if dataset.n_rows < cv:
        raise DataError(f"dataset {dataset.name!r} has {plural(dataset.n_rows, 'row')}, fewer than the {cv} CV folds")
    if dataset.y.isna().any():
        raise DataError(f"the target of {dataset.name!r} has {plural(int(dataset.y.isna().sum()), 'missing value')}")
    if dataset.y.nunique() < 2:
        kind = "a single class" if dataset.is_classification else "a single value"
        raise DataError(f"the target of {dataset.name!r} has {kind} ({plain(dataset.y.iloc[0])!r}): nothing to learn")
    if dataset.is_classification:
        n_classes = dataset.y.nunique()
        if dataset.task == "binary" and n_classes != 2:
            raise DataError(f"task 'binary' but the target has {n_classes} classes")
        if dataset.y.dtype.kind == "f" and not _whole(dataset.y):
            shown = ", ".join(f"{v:g}" for v in sorted(dataset.y.unique())[:4])
            raise DataError(f"task {dataset.task!r} but the classes of {dataset.name!r} are numbers not all whole "
                            f"({shown}{', ...' if n_classes > 4 else ''}): LightGBM's and scikit-learn's classifiers "
                            f"take them for a quantity; give the classes as text (y.astype(str)) with "
                            f"task={dataset.task!r}, or whole-number codes, or task='regression'")
    else:
        values = pd.to_numeric(dataset.y, errors="coerce")
        if values.isna().any():
            raise DataError(f"task 'regression' but the target of {dataset.name!r} holds non-numeric values")
        if not np.all(np.isfinite(values.to_numpy(float))):
            raise DataError(f"the target of {dataset.name!r} has infinite values")
    return dataset


# --------------------------------------------------------------------------- cleaning


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds, for messages (``1``, not ``np.int64(1)``)."""
    return value.item() if isinstance(value, np.generic) else value


def as_pandas(data: Any) -> Any:
    """``data`` as pandas holds it: a dict of columns as the DataFrame ``pd.DataFrame(data)`` makes of
    it, anything that converts itself (``to_pandas()``: a pyarrow Table, Array or ChunkedArray, a polars
    DataFrame or Series) so converted, its column names and types kept; anything else as it is."""
    if isinstance(data, dict) and not hasattr(data, "nnz"):  # a SciPy dok matrix is a dict too: check_dense's
        try:
            return pd.DataFrame(data)
        except (ValueError, TypeError) as exc:
            raise DataError(f"a dict of columns that pandas makes no DataFrame of ({exc}): give every column as "
                            f"many values (one row: pd.DataFrame([row]))") from exc
    if hasattr(data, "to_pandas") and not isinstance(data, (pd.DataFrame, pd.Series)):
        return data.to_pandas()
    return data


def check_pairing(X: Any, y: Any) -> None:
    """A :class:`DataWarning` if ``X`` and ``y`` are pandas objects whose indexes hold the same labels
    in another order: their rows are paired by position (scikit-learn's rule), not by label."""
    if not isinstance(X, pd.DataFrame) or not isinstance(y, (pd.Series, pd.DataFrame)):
        return
    rows, labels = X.index, y.index
    if (len(rows) == len(labels) and rows.nlevels == labels.nlevels and not rows.equals(labels)
            and rows.isin(labels).all() and labels.isin(rows).all()):
        warn("X's and y's indexes hold the same labels in another order: rows are paired by position (as "
             "scikit-learn pairs them), not by label; to pair them by label, pass y.loc[X.index] (or reset both "
             "indexes, reset_index(drop=True), if the positions pair them)", DataWarning)


def _one_dimensional(y: Any) -> pd.Series:
    """The target as one series (a single column or row is one target), a pandas categorical kept
    categorical (its values are classes, whatever they hold), anything else as numpy holds it."""
    if isinstance(y, pd.DataFrame) and y.shape[1] == 1:
        y = y.iloc[:, 0]
    if isinstance(getattr(y, "dtype", None), pd.CategoricalDtype) and np.ndim(y) == 1:
        return pd.Series(pd.Categorical(y))
    values = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
    if values.ndim == 2 and 1 in values.shape:
        values = values.ravel()
    if values.ndim != 1:
        raise DataError(f"y must be one target (one-dimensional), got shape {values.shape}")
    return pd.Series(values)


def check_dense(X: Any) -> None:
    """A :class:`DataError` if ``X`` is a SciPy sparse matrix or array: metahpo takes dense data."""
    if hasattr(X, "toarray") and hasattr(X, "nnz"):
        raise DataError(f"X is a sparse {X.shape[0]} x {X.shape[1]} matrix; metahpo takes dense data: "
                        f"pass X.toarray(), or a DataFrame")


def _array_to_frame(X: Any) -> pd.DataFrame:
    check_dense(X)
    try:
        arr = np.asarray(X)
    except ValueError as exc:  # numpy's "inhomogeneous shape": rows of different lengths
        raise DataError(f"X is no table: its rows are not all of one length ({exc})") from exc
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise DataError(f"X must be two-dimensional, got shape {arr.shape}")
    return pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])


def check_columns(columns: pd.Index, where: str = "") -> None:
    """A :class:`DataError` naming the columns that appear more than once (its message starts
    with ``where``, such as ``"data.csv's header: "``)."""
    dup = columns[columns.duplicated()]
    if len(dup):
        raise DataError(f"{where}duplicate column names: {preview(pd.unique(dup))}")


def check_categorical(names: Iterable[str], columns: pd.Index) -> None:
    """A one-line :class:`DataError` naming those of ``names`` (the columns to read as
    categories) that are not ``columns``, and the columns there are."""
    unknown = sorted(set(names) - set(columns))
    if unknown:
        raise DataError(f"categorical column{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} not "
                        f"found; columns are {preview(columns, 5, last=3)}")


def check_target(target: Any, columns: pd.Index, where: str = "") -> None:
    """A one-line :class:`DataError` if ``target`` is not one of ``columns`` (of the file ``where``):
    it suggests the columns meant (the same but for case, else close spellings) and names the first
    and the last columns (a file's target is often its last)."""
    if target in columns:
        return
    near = [c for c in columns if str(c).casefold() == str(target).casefold()]
    if not near:
        folded = {str(c).casefold(): c for c in reversed(columns)}  # a spelling shared by several: the first
        near = [folded[m] for m in difflib.get_close_matches(str(target).casefold(), list(folded), n=3)]
    names = [repr(c) for c in near]
    meant = f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else "".join(names)
    hint = f" (did you mean {meant}?)" if near else ""
    raise DataError(f"target column {target!r} not found{f' in {where}' if where else ''}{hint}; columns are "
                    f"{preview(columns, 5, last=3)}")


def _clean_column(col: pd.Series, name: str, force_categorical: bool) -> pd.Series:
    """Numbers, booleans, dates and durations become floats (:func:`_as_float`); text and declared
    categoricals become ``category``, whose categories are numbers or text (any others, such as
    ``pd.cut``'s intervals, dates or a mix of numbers and text, become their text).

    A text column of numbers (or of dates) with some text in it is taken to be a numeric (date)
    column with garbage in it, and rejected with the offending value named: text in at most 5% of
    its values, or in fewer than half of them while the numbers take more than
    :data:`_MAX_CLASSES_INFERRED` values (a category per number would say nothing of numbers not
    seen in training).
    """
    col = _numpy_backed(col)
    _check_real(col, name)
    if force_categorical or isinstance(col.dtype, pd.CategoricalDtype):
        col = col.astype("category")
        categories = col.cat.categories
        if pd.api.types.is_numeric_dtype(categories.dtype) or pd.api.types.infer_dtype(categories) == "string":
            return col
        return _as_text(col).astype("category")  # as conform will read new rows: text
    numeric = _as_float(_dates_of_text(col))  # dates as text (pd.read_csv's) are dates, as a CSV file's path reads
    if numeric is not None:
        return numeric
    values = col.dropna()
    kind, bad = "dates", _not_dates(values)
    if bad is None:
        kind = "numbers"
        bad = values.iloc[:0] if _mostly_text(values) else pd.to_numeric(values, errors="coerce").isna()
    if len(bad) >= 20 and bad.any() and (bad.mean() <= 0.05 or (bad.mean() < 0.5 and
                                                                values[~bad].nunique() > _MAX_CLASSES_INFERRED)):
        raise DataError(
            f"column {name!r} holds {kind} but also text such as {values[bad].iloc[0]!r} ({int(bad.sum())} of "
            f"{len(values)} values): make that text missing (e.g. pandas.read_csv's na_values), or pass the column "
            f"as a pandas categorical if it holds categories"
        )
    return _as_text(col).astype("category")


def _check_real(col: pd.Series, name: str) -> None:
    """A :class:`DataError` if the column ``name`` holds complex numbers."""
    if _holds_complex(col):
        raise DataError(f"column {name!r} holds complex numbers, which no model here takes: give their real and "
                        f"imaginary parts as two columns (np.real, np.imag)")


def _holds_complex(values: pd.Series) -> bool:
    """Whether ``values`` are complex numbers, or objects among which one is (Python's or numpy's),
    whose imaginary part reading them as numbers would drop."""
    if values.dtype != object:
        return values.dtype.kind == "c"
    inferred = pd.api.types.infer_dtype(values, skipna=True)  # in one fast pass: "string" for most columns
    return inferred == "complex" or (inferred.startswith("mixed") and
                                     any(isinstance(v, (complex, np.complexfloating)) for v in values))


def _not_dates(values: pd.Series) -> pd.Series | None:
    """Which of ``values`` (none missing) are not dates, in a column whose first value is one (a
    date object, or ISO 8601 text as a CSV file holds it); None in any other column."""
    first = values.iloc[0] if len(values) else None
    if not isinstance(first, datetime.date) and not (isinstance(first, str) and re.fullmatch(_ISO_DATE, first)):
        return None
    text = values.map(lambda v: isinstance(v, str))  # as text, only ISO 8601 (pandas reads "today" as a date)
    iso = values[text].astype(str).str.fullmatch(_ISO_DATE).reindex(values.index, fill_value=True)
    return pd.to_datetime(values, errors="coerce", format="ISO8601", utc=True).isna() | ~iso


def _numpy_backed(col: pd.Series) -> pd.Series:
    """``col`` held as the cleaning reads it: an Arrow-backed column (``dtype_backend="pyarrow"``)
    in numpy's dtypes (dictionary-encoded as categorical), a pandas string column as text objects,
    a column of ``datetime.date`` or ``datetime.datetime`` objects (as SQL gives them) or of
    ``np.datetime64`` ones as dates, of ``datetime.timedelta`` or ``np.timedelta64`` objects as
    durations, and periods (``pd.Period``) as the dates they start on."""
    if isinstance(col.dtype, pd.PeriodDtype):
        return col.dt.to_timestamp()
    if isinstance(col.dtype, pd.ArrowDtype):
        values = col.array.__arrow_array__().to_pandas(date_as_object=False)  # the Arrow protocol's own conversion
        col = pd.Series(values.array, index=col.index, name=col.name)
    if isinstance(col.dtype, pd.StringDtype) and col.dtype.na_value is pd.NA:  # "string": NaN where it has pd.NA
        return col.astype(object).where(col.notna(), np.nan)
    if col.dtype == object:
        present = col.notna().to_numpy()
        first = col.iloc[present.argmax()] if present.any() else None
        dates, durations = (datetime.date, np.datetime64), (datetime.timedelta, np.timedelta64)
        kinds = dates if isinstance(first, dates) else durations if isinstance(first, durations) else None
        values = col[present] if kinds else ()
        if len(values) and all(isinstance(v, kinds) for v in values):  # most columns: one value decides
            try:
                if kinds is durations:
                    return pd.to_timedelta(col)
                return pd.to_datetime(col, utc=any(getattr(v, "tzinfo", None) is not None for v in values))
            except (ValueError, TypeError, OverflowError):
                pass
    return col


def _as_float(col: pd.Series) -> pd.Series | None:
    """``col`` as floats if it holds numbers, booleans, dates (seconds since 1970, in UTC), durations
    (seconds) or text of numbers, whatever their unit or time zone; missing values stay missing.
    None if it holds text."""
    kind = col.dtype.kind
    if kind in "iufb":
        return col.astype(float)
    if kind == "M":
        return _seconds_since_1970(col.dt.tz_convert(None) if col.dt.tz is not None else col)
    if kind == "m":
        return col / pd.Timedelta(seconds=1)
    if _mostly_text(col.dropna()):
        return None
    parsed = pd.to_numeric(col, errors="coerce")
    return parsed.astype(float) if parsed.notna().sum() == col.notna().sum() else None


def _seconds_since_1970(naive: pd.Series) -> pd.Series:
    """Dates without a time zone as seconds since 1970 (NaT as NaN): computed in nanoseconds, the
    seconds they always had, where pandas can hold them so (1677 to 2262), in their own unit beyond
    (9999-12-31, the "no end" of many tables), so a date's seconds do not depend on the dates beside it."""
    try:
        return (naive - pd.Timestamp(0)) / pd.Timedelta(seconds=1)
    except pd.errors.OutOfBoundsDatetime:
        values = naive.to_numpy()
        ticks, unit = values.view("i8"), np.datetime_data(values.dtype)[0]
        limit = np.iinfo(np.int64).max // (np.timedelta64(1, unit) // np.timedelta64(1, "ns"))
        inside = (ticks >= -limit) & (ticks <= limit)  # in nanoseconds' range (NaT, the least int64, is not)
        seconds = (values - np.datetime64(0, "s")) / np.timedelta64(1, "s")
        seconds[inside] = _seconds_since_1970(naive[inside]).to_numpy()
        return pd.Series(seconds, index=naive.index, name=naive.name)


def _mostly_text(values: pd.Series) -> bool:
    """Whether most of 1,000 values spread evenly over ``values`` (no missing ones) are not
    numbers: text, however the others read. A long text column is then not read as numbers whole,
    which pandas does slowly (a quarter of a second per 300,000 values)."""
    if len(values) <= 2_000:
        return False
    sample = values.iloc[:: len(values) // 1_000]
    return bool(pd.to_numeric(sample, errors="coerce").isna().mean() > 0.5)


def _as_text(col: pd.Series) -> pd.Series:
    """``col``'s values as the text :func:`load` makes categories of, each value's text whatever rows
    come with it (:func:`_text_of`); missing stays missing."""
    if pd.api.types.infer_dtype(col, skipna=True) != "string":  # text stays; others value by value
        col = col.map(_text_of, na_action="ignore")
    return col.astype(str).where(col.notna())


def _text_of(value: Any) -> str:
    """A value's text as a category: a whole float as the integer it stands for (as it was before a
    missing value made it a float: ``1.0`` is ``"1"``), bytes as the UTF-8 text they hold (a byte
    that is not UTF-8 escaped: ``b"\\xff"`` is ``"\\xff"``), any other value as ``str`` writes it."""
    if isinstance(value, bytes):
        return value.decode(errors="backslashreplace")
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return str(value)


def conform(X: Any, like: pd.DataFrame) -> pd.DataFrame:
    """New rows' features made as the training features ``like`` are (a frame with their columns
    and dtypes; its rows are not read), for a model trained on them to predict.

    A DataFrame's columns are matched by name, in any order (named as :func:`load` names them), as
    are those of a dict of columns or an Arrow table (:func:`as_pandas`), an array's by position. Each
    column is cleaned as :func:`load` cleans it; a categorical one takes the training categories (a
    category training did not see is missing). Missing or unknown columns, a wrong number of them,
    or text in a numeric column are a :class:`DataError`.
    """
    columns = list(like.columns)
    X = as_pandas(X)
    if hasattr(X, "__len__") and len(X) == 0:
        raise DataError("X has no rows to predict")
    if isinstance(X, pd.DataFrame):
        frame = X.set_axis(safe_columns(X.columns), axis=1)
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise DataError(f"X lacks {plural(len(missing), 'column')} the model was trained on: {preview(missing)}")
        unknown = [c for c in frame.columns if c not in like.columns]
        if unknown:
            raise DataError(f"X has {plural(len(unknown), 'column')} the model was not trained on: {preview(unknown)}")
    else:
        if np.ndim(X) == 1 and len(columns) > 1:
            raise DataError(f"X is one-dimensional ({len(X)} values) but the model was trained on {len(columns)} "
                            f"columns; pass rows as a table: df.iloc[[i]] or x.reshape(1, -1) for one row")
        frame = _array_to_frame(X)
        if frame.shape[1] != len(columns):
            raise DataError(f"X has {plural(frame.shape[1], 'column')}; the model was trained on {len(columns)}")
        frame.columns = columns
    return pd.DataFrame({c: _conform_column(frame[c], like[c], c) for c in columns}, index=frame.index)


def _conform_column(col: pd.Series, like: pd.Series, name: str) -> pd.Series:
    """One column of :func:`conform`."""
    col = _numpy_backed(col)
    _check_real(col, name)
    if isinstance(like.dtype, pd.CategoricalDtype):
        categories, values = like.cat.categories, col
        if pd.api.types.is_string_dtype(categories.dtype):
            values = _as_text(col)
        elif pd.api.types.is_numeric_dtype(categories.dtype):  # by value: 2.0 and "2" are 2, 1 and 1.0 are True
            values = pd.to_numeric(col.astype(object), errors="coerce")
            if pd.api.types.is_bool_dtype(categories.dtype):
                categories, values = categories.astype(float), values.astype(float)
        codes = pd.Index(categories).get_indexer(values)
        if pd.api.types.is_string_dtype(categories.dtype):
            codes = _matched_by_value(codes, values, categories)
        if (codes < 0).all() and col.notna().any():
            warn(f"no value of column {name!r} is a category seen in training (such as "
                 f"{col.dropna().iloc[0]!r}): all are taken as missing", DataWarning)
        return pd.Series(pd.Categorical.from_codes(codes, dtype=like.dtype), index=col.index, name=col.name)
    numeric = _as_float(_dates_of_text(col))  # dates as text, as read_csv gives them, are dates (seconds)
    if numeric is None:
        values = col.dropna()
        bad = _not_dates(values)  # in a column of dates, a value that is not one ("NaT", ""), not a date
        if bad is None or not bad.any():
            bad = pd.to_numeric(values, errors="coerce").isna()
        raise DataError(f"column {name!r} was numeric in training but holds text such as {values[bad].iloc[0]!r}")
    return numeric


def _matched_by_value(codes: np.ndarray, values: pd.Series, categories: pd.Index) -> np.ndarray:
    """``codes`` with the values that match no category as text matched as numbers: a category of
    numbers written otherwise in training (the text ``"2.0"`` of a column that also held words, the
    number 2 now)."""
    unmatched = np.flatnonzero((codes < 0) & values.notna().to_numpy())
    numbers = pd.to_numeric(pd.Series(categories), errors="coerce").dropna()
    if not len(unmatched) or numbers.empty or not numbers.is_unique:
        return codes
    found = pd.Index(numbers.to_numpy()).get_indexer(pd.to_numeric(values.iloc[unmatched], errors="coerce"))
    codes = codes.copy()
    codes[unmatched[found >= 0]] = numbers.index.to_numpy()[found[found >= 0]]
    return codes


def check_kinds(y: Any) -> set[str]:
    """The kinds of value the target ``y`` holds, ``{"text"}`` or ``{"numbers"}`` (``Decimal`` ones
    too), or a :class:`DataError` if it mixes them or holds another kind, which classifiers cannot
    sort into classes."""
    number_types = (int, float, np.number, np.bool_, decimal.Decimal)  # Decimal: SQL's NUMERIC, Arrow's decimal
    kinds = {"text" if isinstance(v, str) else "numbers" if isinstance(v, number_types) else type(v).__name__
             for v in pd.Series(np.asarray(y, dtype=object)).dropna()}
    if len(kinds) > 1:
        raise DataError(f"the target mixes {' and '.join(sorted(kinds))}: make its classes one kind "
                        f"(e.g. all text: y.astype(str))")
    if not kinds <= {"text", "numbers"}:
        raise DataError(f"the target holds {kinds.pop()} values; LightGBM's and scikit-learn's classifiers take "
                        f"classes as numbers or text: give them as text (y.astype(str))")
    return kinds


def _clean_target(y: pd.Series, task: str | None) -> pd.Series:
    """The target checked, its values held as numbers or as text: numbers as numbers (``Decimal`` ones
    too; a pandas categorical's too: its classes, as a classifier takes them and predicts them back),
    and text of numbers that are a quantity read as numbers unless the task is given or the target is
    a pandas categorical (classes, whatever they hold). Other values (``pd.cut``'s intervals, dates,
    complex numbers) are an error."""
    y = _numpy_backed(y)
    if _holds_complex(y):
        raise DataError("the target holds complex numbers, which no model here takes: give real numbers (a "
                        "regression target) or classes")
    if y.dtype.kind in "Mm":
        raise DataError(f"the target holds {'dates' if y.dtype.kind == 'M' else 'durations'}: give numbers (a "
                        f"regression target) or classes")
    if y.dtype.kind in "OUS" or isinstance(y.dtype, pd.CategoricalDtype):
        declared = isinstance(y.dtype, pd.CategoricalDtype)
        y = y.astype(object).where(y.notna(), np.nan)
        kinds = check_kinds(y)
        parsed = pd.to_numeric(y, errors="coerce")
        numbers = bool(parsed[y.notna()].notna().all())
        if task == "regression" and not numbers:
            raise DataError("task 'regression' but the target holds non-numeric values")
        if kinds == {"numbers"} or task == "regression" or (task is None and not declared and numbers
                                                             and _quantity(parsed.dropna())):
            y = parsed  # text of numbers that are a quantity is numbers, as in a feature: "3.7" is 3.7
    if y.dtype.kind == "f" and np.isinf(y.to_numpy()).any():
        raise DataError(f"the target has {plural(int(np.isinf(y.to_numpy()).sum()), 'infinite value')}")
    if y.isna().any():
        raise DataError(f"the target has {plural(int(y.isna().sum()), 'missing (NaN) value')}")
    return y


# --------------------------------------------------------------------------- sources


def _load_spec(
    spec: str, *, target: str | None, task: str | None, name: str | None, categorical: list[str] | None
) -> Dataset:
    prefix, _, rest = spec.partition(":")
    path = Path(spec).expanduser()
    if target not in (None, "target") and ((prefix == "sklearn" and rest) or path.is_dir()):
        raise DataError(f"{spec} holds its target as its column 'target': another ({target!r}) cannot be named for it")
    if prefix == "sklearn" and rest:
        return _overridden(_load_sklearn(rest, task=task), name, categorical)
    if prefix in ("openml", "openml-task") and rest:
        from metahpo import openml_source

        loader = openml_source.load_task if prefix == "openml-task" else openml_source.load_dataset
        return _overridden(loader(_parse_id(rest, spec), target=target, task=task), name, categorical)
    if target == "":  # not the column 'target', which a file's target defaults to
        raise DataError("the target column's name is empty; name a column, or leave the target out for the column "
                        "'target'")
    if path.is_dir():
        return _overridden(load_pmlb(path, task=task), name, categorical)
    if not path.exists():
        raise DataError(
            f"no such file or folder: {spec!r} (or use sklearn:NAME, openml:ID, openml-task:ID)"
        )
    frame, arff_target = read_table(path)
    target = target or arff_target or "target"
    check_target(target, frame.columns, path.name)
    check_columns(frame.columns)
    return from_arrays(
        frame.drop(columns=[target]),
        frame[target],
        task=task,
        name=name or stem(path),
        source=str(path),
        categorical=categorical,
    )


def _overridden(dataset: Dataset, name: str | None, categorical: list[str] | None) -> Dataset:
    """A dataset of a named source (scikit-learn, OpenML, a PMLB folder) under ``name`` and with the
    ``categorical`` columns categorical, as a frame or file given them would be."""
    if categorical:
        wanted = [safe_name(c) for c in categorical]
        check_categorical(wanted, dataset.X.columns)
        dataset = replace(dataset, X=dataset.X.assign(**{c: dataset.X[c].astype("category") for c in wanted}))
    return dataset if name is None else replace(dataset, name=name)


def _parse_id(text: str, spec: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise DataError(f"{spec!r}: the OpenML id must be a positive whole number")
    return int(text)


def stem(path: str | Path) -> str:
    """A data file's name without its data suffixes: ``data/iris.csv.gz`` -> ``iris``."""
    name = Path(os.path.abspath(path)).name  # "." and ".." named as the folders they are
    for suffix in (".gz", ".csv", ".tsv", ".parquet", ".arff", ".txt"):
        if name.lower().endswith(suffix):  # DATA.CSV as data.csv
            name = name[: -len(suffix)]
    return name


def read_table(path: Path) -> tuple[pd.DataFrame, str | None]:
    """Read a CSV/TSV (gzipped too), Parquet or ARFF file.

    Returns the frame and, for ARFF files, the name of the last attribute (the customary target).
    """
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes[-1:] in ([".xlsx"], [".xls"], [".xlsm"], [".ods"], [".feather"], [".pkl"], [".pickle"], [".json"]):
        raise DataError(f"cannot read {path.name}: metahpo reads CSV/TSV (gzipped too), Parquet and ARFF files; save "
                        f"the table as one of them (pandas: df.to_parquet), or pass a DataFrame")
    try:
        if ".parquet" in suffixes:
            return _read_parquet(path), None
        if ".arff" in suffixes:
            return _read_arff(path)
        sep = "\t" if ".tsv" in suffixes or ".txt" in suffixes else ","
        header = pd.read_csv(path, sep=sep, nrows=1, header=None, dtype=str, keep_default_na=False).iloc[0]
        frame = pd.read_csv(path, sep=sep, na_values=["?"], keep_default_na=True)
    except (OSError, ValueError, ImportError, EOFError, zlib.error) as exc:  # zlib's: a corrupt gzip stream
        raise DataError(f"cannot read {path}: {exc}") from exc
    if frame.shape[1] < 2 and sep == ",":
        raise DataError(f"{path.name} has a single column; is it separated by something other than commas?")
    _check_header(header, path)
    return frame.apply(_dates_of_text), None


def _read_parquet(path: Path) -> pd.DataFrame:
    """A Parquet file as pandas wrote it: pyarrow writes a categorical of numbers as plain numbers
    and reads them back so, though the file's pandas metadata names the column categorical."""
    import pyarrow.parquet as pq

    frame = pd.read_parquet(path)
    if not path.is_file():  # a folder of parts (Dask's, Spark's) as pandas reads it
        return frame
    metadata = pq.read_schema(path).pandas_metadata or {}
    categorical = [c["name"] for c in metadata.get("columns", ()) if c.get("pandas_type") == "categorical"
                   and c.get("name") in frame.columns and not isinstance(frame[c["name"]].dtype, pd.CategoricalDtype)]
    return frame.assign(**{name: frame[name].astype("category") for name in categorical}) if categorical else frame


def _check_header(header: pd.Series, path: Path) -> None:
    """A :class:`DataError` for names a text file's header repeats (pandas would make ``a`` and
    ``a.1`` of them), and a :class:`DataWarning` for a column without a name (an index written by
    ``DataFrame.to_csv``?), which is then a feature."""
    check_columns(pd.Index(header[header.str.strip() != ""]), f"{path.name}'s header: ")
    unnamed = [i + 1 for i, name in enumerate(header) if not name.strip()]
    if unnamed:
        which = f"columns {', '.join(map(str, unnamed))} have" if len(unnamed) > 1 else f"column {unnamed[0]} has"
        warn(f"{path.name}: {which} no name in its header (an index written by DataFrame.to_csv? write with "
             f"index=False); {'they are features' if len(unnamed) > 1 else 'it is a feature'}", DataWarning)


_ZONE = r"(?:Z|[+-]\d{2}:?\d{2})"
_ISO_DATE = rf"\d{{4}}-\d{{2}}-\d{{2}}(?:[ T]\d{{2}}:\d{{2}}(?::\d{{2}}(?:\.\d+)?)?)?{_ZONE}?"
_DURATION = r"-?\d+ days?(?: [+-]?\d{2}:\d{2}:\d{2}(?:\.\d+)?)?"
"""Dates (ISO 8601) and durations (as pandas writes them) in a text file."""


def _dates_of_text(col: pd.Series) -> pd.Series:
    """A text column of a CSV file whose every value is an ISO 8601 date (or a duration as pandas
    writes one) as dates (durations), as a DataFrame or Parquet file would hold them; any other
    column as it is."""
    values = col.dropna()
    if not pd.api.types.is_string_dtype(col.dtype) or values.empty or not isinstance(first := values.iloc[0], str):
        return col
    if not (re.fullmatch(_ISO_DATE, first) or re.fullmatch(_DURATION, first)):  # most text: one value decides
        return col
    if not all(isinstance(v, str) for v in values):
        return col
    try:
        if values.str.fullmatch(_ISO_DATE).all():
            return pd.to_datetime(col, format="ISO8601", utc=bool(values.str.contains(f"{_ZONE}$").any()))
        if values.str.fullmatch(_DURATION).all():
            return pd.to_timedelta(col)
    except (ValueError, TypeError, OverflowError):  # e.g. a month 13, or offsets on some values only
        pass
    return col


def _read_arff(path: Path) -> tuple[pd.DataFrame, str | None]:
    import arff  # liac-arff, installed with openml

    with open(path) as fh:
        try:
            content = arff.load(fh)
        except arff.ArffException as exc:
            raise DataError(f"cannot read ARFF file {path}: {exc}") from exc
    names = [a[0] for a in content["attributes"]]
    frame = pd.DataFrame(content["data"], columns=names)
    nominal = {attr_name: object for attr_name, kind in content["attributes"] if isinstance(kind, list)}
    return frame.astype(nominal), names[-1]


def _load_sklearn(name: str, task: str | None) -> Dataset:
    from sklearn import datasets as skd

    if name not in SKLEARN_DATASETS:
        raise DataError(f"unknown scikit-learn dataset {name!r}; choose from {', '.join(SKLEARN_DATASETS)}")
    bunch = getattr(skd, f"load_{name}")(as_frame=True)
    return from_arrays(bunch.data, bunch.target, task=task, name=name, source=f"sklearn:{name}")


# --------------------------------------------------------------------------- PMLB layout

_FEATURE_RE = re.compile(r"^\s*-\s*name:\s*(?P<name>.+?)\s*$\n^\s*type:\s*(?P<type>\w+)", re.M)
_TASK_RE = re.compile(r"^task:\s*(\w+)", re.M)


def load_pmlb(folder: Path | str, task: str | None = None, max_rows: int | None = None) -> Dataset:
    """Load one dataset in the PMLB layout: ``NAME/NAME.tsv.gz`` plus ``NAME/metadata.yaml``.

    The label column is ``target``; features that ``metadata.yaml`` lists as ``categorical`` get
    the ``category`` dtype. ``max_rows`` caps the rows with a seeded, stratified subsample.
    """
    folder = Path(folder)
    name = stem(folder)
    data_file = folder / f"{name}.tsv.gz"
    if not data_file.exists():
        raise DataError(f"{folder} is not a PMLB dataset folder: {data_file.name} is missing")
    meta_file = folder / "metadata.yaml"
    meta = meta_file.read_text() if meta_file.exists() else ""
    categorical = [m["name"].strip("'\"") for m in _FEATURE_RE.finditer(meta) if m["type"] == "categorical"]
    frame, _ = read_table(data_file)
    check_target("target", frame.columns, str(data_file))
    meta_task = _TASK_RE.search(meta)
    if task is None and meta_task and meta_task.group(1) == "regression":
        task = "regression"
    elif task is None and meta_task and meta_task.group(1) == "classification":
        task = "binary" if frame["target"].nunique() == 2 else "multiclass"
    dataset = from_arrays(
        frame.drop(columns=["target"]),
        frame["target"],
        task=task,
        name=name,
        source=str(folder),
        categorical=[c for c in categorical if c in frame.columns],
    )
    return dataset if max_rows is None else dataset.subsample(max_rows)


# --------------------------------------------------------------------------- folders with a manifest

MANIFEST = "manifest.csv"
"""A folder holding this file lists its datasets: one row each with ``file`` and ``target``, and
optionally ``name`` and ``task``."""


@dataclass(frozen=True)
class ManifestEntry:
    """One dataset of a folder with a manifest."""

    name: str
    path: Path
    target: str
    task: str | None = None


def read_manifest(folder: Path | str) -> list[ManifestEntry]:
    """The datasets a folder's ``manifest.csv`` lists, with a clear error for a broken manifest."""
    path = Path(folder) / MANIFEST
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    missing = {"file", "target"} - set(frame.columns)
    if missing:
        raise DataError(f"{path} lacks {plural(len(missing), 'column')}: {', '.join(sorted(missing))}")
    entries = []
    for line, row in enumerate(frame.to_dict("records"), start=2):
        if not row["file"] or not row["target"]:
            raise DataError(f"{path}, line {line}: 'file' and 'target' must not be empty")
        task = row.get("task") or None
        if task is not None and task not in TASKS:
            raise DataError(f"{path}, line {line}: unknown task {task!r}; expected one of {', '.join(TASKS)}")
        name = row.get("name") or stem(row["file"])
        if name in (".", "..") or re.search(r"[/\\]", name):
            raise DataError(f"{path}, line {line}: name {name!r} names the dataset's files, so it must not be "
                            f"'.', '..' or hold '/' or '\\'")
        entries.append(ManifestEntry(name, Path(folder) / row["file"], row["target"], task))
    return entries


def load_entry(entry: ManifestEntry, max_rows: int | None = None) -> Dataset:
    """Load a dataset a manifest lists; rows whose target is missing are not examples and are left
    out, with a :class:`DataWarning` that counts them (the file given alone is refused instead).

    ``max_rows`` caps the rows with a seeded, stratified subsample.
    """
    frame, _ = read_table(entry.path)
    check_target(entry.target, frame.columns, str(entry.path))
    if n_missing := int(frame[entry.target].isna().sum()):
        warn(f"{entry.path.name}: {plural(n_missing, 'row')} of {len(frame)} without a target ({entry.target!r}) "
             f"left out, as a manifest's datasets are read", DataWarning)
        frame = frame[frame[entry.target].notna()]
    dataset = from_arrays(frame.drop(columns=[entry.target]), frame[entry.target], task=entry.task,
                          name=entry.name, source=str(entry.path))
    return dataset if max_rows is None else dataset.subsample(max_rows)
