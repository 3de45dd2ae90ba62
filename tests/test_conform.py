"""New rows at predict time: :func:`metahpo.datasets.conform`, and the two models that use it
(``tune``'s result and the zero-shot estimators) predicting on data made as their training data were."""

from __future__ import annotations

import warnings

import lightgbm
import numpy as np
import pandas as pd
import pytest
import scipy.sparse

import metahpo
from metahpo.datasets import conform, load
from metahpo.exceptions import DataError


def _mixed(n: int = 300, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Numbers, a text column, an object column mixing integers and letters, dates and a target
    that the mixed column and the dates give away."""
    rng = np.random.default_rng(seed)
    code = rng.integers(0, 4, n)
    X = pd.DataFrame({
        "num": rng.normal(size=n),
        "shop": rng.choice(["a", "b"], n),
        "mixed": pd.Series([int(c) if c < 2 else "xy"[c - 2] for c in code], dtype=object),
        "when": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), unit="D"),
    })
    y = (np.isin(code, [0, 2]) | (X["when"] > "2022-06-01")).to_numpy().astype(int)
    return X, y


def _tuned(X: pd.DataFrame, y: np.ndarray) -> metahpo.TuneResult:
    return metahpo.tune(X, y, n_trials=2, family="lightgbm", sampler=None, cv=2, random_state=0, verbose=False)


def test_conform_makes_new_rows_as_load_made_the_training_rows():
    X, y = _mixed()
    like = load(X, y).X
    new = X.iloc[:50][["when", "mixed", "shop", "num"]].copy()  # other order, other time unit, other dtypes
    new["when"] = new["when"].astype("datetime64[ns]")
    new["shop"] = new["shop"].astype("category")
    out = conform(new, like)
    pd.testing.assert_frame_equal(out, like.iloc[:50])
    unseen = conform(X.iloc[:2].assign(shop=["a", "zzz"]), like)
    assert unseen["shop"].tolist()[0] == "a" and pd.isna(unseen["shop"].iloc[1])  # a new category is missing


def test_a_whole_float_in_a_mixed_column_is_the_integer_category():
    X = pd.DataFrame({"a": [0.1, 0.2, 0.3, 0.4] * 10, "m": pd.Series([1, 2, "x", None] * 10, dtype=object)})
    like = load(X, np.array([0, 1, 1, 0] * 10)).X
    assert list(like["m"].cat.categories) == ["1", "2", "x"]
    for one in (1, 1.0, np.float64(1.0), "1"):
        assert conform(pd.DataFrame({"a": [0.1], "m": pd.Series([one], dtype=object)}), like)["m"].iloc[0] == "1"
    trained_on_floats = load(X.assign(m=X["m"].map({1: 1.0, 2: 2.0, "x": "x"})), np.array([0, 1, 1, 0] * 10)).X
    assert list(trained_on_floats["m"].cat.categories) == ["1", "2", "x"]


def test_a_csv_file_gives_the_dates_and_durations_a_dataframe_gives(tmp_path):
    X, y = _mixed(120)
    frame = X.assign(utc=X["when"].dt.tz_localize("UTC"), took=pd.to_timedelta(np.arange(120), unit="h"),
                     bad=["2020-13-01"] * 120, y=y)
    frame.to_csv(tmp_path / "dates.csv", index=False)
    from_csv, as_given = load(tmp_path / "dates.csv", target="y").X, load(frame, target="y").X
    for column in ("when", "utc", "took"):  # seconds, as from the DataFrame
        np.testing.assert_array_equal(from_csv[column].to_numpy(), as_given[column].to_numpy())
    assert isinstance(from_csv["bad"].dtype, pd.CategoricalDtype)  # no such month: text
    as_read = pd.read_csv(tmp_path / "dates.csv").drop(columns="y")  # new rows read without parsing dates
    pd.testing.assert_frame_equal(conform(as_read, from_csv), from_csv)


def test_integer_category_codes_given_as_text_are_the_codes():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=200), "code": pd.Categorical(rng.integers(0, 4, 200))})
    like = load(X, np.arange(200) % 2).X
    as_text = conform(X.assign(code=X["code"].astype(int).astype(str)), like)
    pd.testing.assert_series_equal(as_text["code"], like["code"])
    with pytest.warns(metahpo.exceptions.DataWarning, match="no value of column 'code' is a category seen in "
                                                            "training \\(such as 'zz'\\)"):
        assert conform(X.assign(code="zz"), like)["code"].isna().all()


def test_warnings_name_the_users_line_whichever_path_of_metahpo_gives_them():
    """A DataWarning points at the caller's line, so filters on the caller's module match it: from
    conform called directly, from tune's result predicting, and from the data tune reads."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=120), "code": pd.Categorical(rng.integers(0, 4, 120))})
    result = metahpo.tune(X, np.arange(120) % 2, n_trials=1, sampler=None, cv=3, verbose=False)
    with pytest.warns(metahpo.exceptions.DataWarning) as caught:
        conform(X.assign(code="zz"), result.dataset.X)
        result.predict_proba(X.assign(code="zz"))
        metahpo.tune(X.assign(a=1.0, code="c"), np.arange(120) % 2, n_trials=1, sampler=None, cv=3, verbose=False)
    assert [w.filename for w in caught] == [__file__] * 3, [(w.filename, str(w.message)[:40]) for w in caught]


def test_the_estimators_take_infinity_and_pd_na_in_arrays_as_tune_does(tiny_kb, tiny_linear_kb):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = (X[:, 0] > 0).astype(int)
    X[::7, 1] = np.inf
    objects = X.astype(object)
    objects[::5, 2], objects[1::5, 2] = pd.NA, None
    for model in (metahpo.MetaLGBMClassifier(knowledge_base=tiny_kb),
                  metahpo.MetaClassifier(family="linear", knowledge_base=tiny_linear_kb)):
        for data in (X, objects):
            assert np.isfinite(model.fit(data, y).predict_proba(data)).all()


def test_conform_reads_dates_the_same_in_any_unit_or_time_zone():
    when = pd.Series(pd.to_datetime(["2020-01-01 00:00", "2021-06-01 12:00", None]))
    like = load(pd.DataFrame({"when": when.astype("datetime64[s]")}), [0, 1, 0]).X
    for other in (when.astype("datetime64[ns]"), when.dt.tz_localize("UTC"), when.astype("datetime64[ms]")):
        pd.testing.assert_frame_equal(conform(pd.DataFrame({"when": other}), like), like)
    assert like["when"].iloc[0] == pd.Timestamp("2020-01-01").timestamp()  # seconds since 1970


def test_conform_names_what_does_not_fit():
    X, y = _mixed(40)
    like = load(X, y).X
    with pytest.raises(DataError, match="lacks 1 column the model was trained on: when"):
        conform(X.drop(columns="when"), like)
    with pytest.raises(DataError, match="not trained on: extra"):
        conform(X.assign(extra=1.0), like)
    with pytest.raises(DataError, match="X has 2 columns; the model was trained on 4"):
        conform(np.zeros((3, 2)), like)
    for row in (X.iloc[0], X.to_numpy()[0]):
        with pytest.raises(DataError, match=r"one-dimensional \(4 values\).*df.iloc\[\[i\]\]"):
            conform(row, like)
    with pytest.raises(DataError, match="column 'num' was numeric in training but holds text such as 'high'"):
        conform(X.assign(num="high"), like)
    for empty in (X.iloc[:0], X.to_numpy()[:0]):
        with pytest.raises(DataError, match="^X has no rows to predict$"):
            conform(empty, like)


def test_tune_predicts_by_column_name_on_data_as_given():
    X, y = _mixed()
    result = _tuned(X, y)
    reference = result.predict_proba(X)
    reordered = X[list(reversed(X.columns))].assign(when=X["when"].astype("datetime64[ns]"))
    np.testing.assert_array_equal(result.predict_proba(reordered), reference)
    assert (result.predict(X) == y).mean() > 0.95  # the mixed column's integers and letters alike
    with pytest.raises(DataError, match="lacks 1 column"):
        result.predict(X.drop(columns="shop"))


def test_tune_predicts_on_the_numpy_array_it_was_tuned_on():
    X, y = _mixed(200)
    X = X.drop(columns="when").assign(text_numbers=lambda f: f["num"].map("{:.3f}".format), empty=None)
    array = X.to_numpy()
    np.testing.assert_array_equal(_tuned(array, y).predict(array), _tuned(X, y).predict(X))


def test_tune_keeps_boolean_labels():
    X, y = _mixed(200)
    predicted = _tuned(X, y.astype(bool)).predict(X)
    assert predicted.dtype == bool


@pytest.mark.parametrize("Estimator", [metahpo.MetaLGBMClassifier, metahpo.MetaLGBMRegressor])
def test_the_estimators_take_dates_and_mixed_columns_and_params_rebuild_the_model(Estimator, tiny_kb):
    X, y = _mixed()
    model = Estimator(knowledge_base=tiny_kb).fit(X, y)
    predict = model.predict_proba if Estimator is metahpo.MetaLGBMClassifier else model.predict
    rebuilt = (lightgbm.LGBMClassifier if Estimator is metahpo.MetaLGBMClassifier else lightgbm.LGBMRegressor)
    again = rebuilt(**model.params_).fit(load(X, y).X, y)
    again_predict = again.predict_proba if Estimator is metahpo.MetaLGBMClassifier else again.predict
    np.testing.assert_allclose(predict(X), again_predict(load(X, y).X))
    np.testing.assert_allclose(predict(X.assign(when=X["when"].astype("datetime64[ns]"))), predict(X))


def test_the_estimators_say_what_is_wrong_with_the_data(tiny_kb):
    X, y = _mixed(60)
    with pytest.raises(DataError, match="the target has 1 missing value"):
        metahpo.MetaLGBMClassifier(knowledge_base=tiny_kb).fit(X, pd.Series(y, dtype=object).where(X.index > 0))
    with pytest.raises(DataError, match="duplicate column names: num"):
        metahpo.MetaLGBMClassifier(knowledge_base=tiny_kb).fit(X.set_axis(["num", "num", "a", "b"], axis=1), y)
    with pytest.raises(DataError, match="text needs a DataFrame"):
        metahpo.MetaLGBMClassifier(knowledge_base=tiny_kb).fit(X[["num", "shop"]].to_numpy(), y)
    with pytest.raises(DataError, match="sparse 60 x 1 matrix; metahpo takes dense data: pass X.toarray()"):
        metahpo.MetaLGBMClassifier(knowledge_base=tiny_kb).fit(scipy.sparse.csr_matrix(X[["num"]].to_numpy()), y)
    with pytest.raises(DataError, match="column names must be all text or none text .*, got 1, None beside text"):
        metahpo.MetaLGBMClassifier(knowledge_base=tiny_kb).fit(X.set_axis(["num", 1, None, "b"], axis=1), y)
    with pytest.raises(DataError, match="sparse 60 x 1 matrix; metahpo takes dense data: pass X.toarray()"):
        load(scipy.sparse.csr_matrix(X[["num"]].to_numpy()), y)


def test_conform_reads_a_date_beyond_nanoseconds_range_and_the_others_as_in_training():
    when = pd.Series(pd.date_range("2020-01-01 13:09:01.563", periods=60, freq="37min")).astype("datetime64[ms]")
    like = load(pd.DataFrame({"when": when}), np.arange(60) % 2).X
    new = pd.DataFrame({"when": when.iloc[:3].to_numpy()})
    new.loc[3, "when"] = np.datetime64("9999-12-31")
    out = conform(new, like)["when"]
    assert out.iloc[3] == 253402214400.0  # the "no end" date, not OutOfBoundsDatetime
    np.testing.assert_array_equal(out.iloc[:3].to_numpy(), like["when"].iloc[:3].to_numpy())  # to the last bit
    as_text = conform(pd.DataFrame({"when": ["9999-12-31", "2020-01-01 13:09:01.563"]}), like)["when"]
    assert as_text.tolist() == [253402214400.0, like["when"].iloc[0]]


def test_a_categorical_of_dates_reads_each_date_alike_whatever_rows_come_with_it():
    days = pd.to_datetime(["2020-01-01", "2020-01-02 12:00", "2020-01-03"] * 40, format="ISO8601")
    X = pd.DataFrame({"a": np.arange(120.0), "when": pd.Categorical(days)})
    like = load(X, np.arange(120) % 2).X
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "no value is a category seen in training"
        for rows in ([0, 1], [0, 2], [2], [1]):
            pd.testing.assert_frame_equal(conform(X.iloc[rows], like), like.iloc[rows])
    midnights = load(X.iloc[[0, 2] * 30].reset_index(drop=True), np.arange(60) % 2).X
    assert conform(X.iloc[:3], midnights)["when"].astype(object).tolist()[::2] == ["2020-01-01 00:00:00",
                                                                                 "2020-01-03 00:00:00"]


def test_bytes_are_the_text_they_hold_and_other_bytes_escaped_at_load_and_predict_alike():
    X = pd.DataFrame({"a": np.arange(60.0), "tag": pd.Series([b"\x00\xff", "ok".encode(), "é".encode()] * 20,
                                                             dtype=object)})
    like = load(X, np.arange(60) % 2).X
    assert sorted(like["tag"].cat.categories) == ["\x00\\xff", "ok", "é"]  # UTF-8 decoded, a binary id escaped
    pd.testing.assert_frame_equal(conform(X.iloc[[1, 0]], like), like.iloc[[1, 0]])


def test_conform_refuses_complex_numbers_as_load_does():
    like = load(pd.DataFrame({"z": np.arange(60.0)}), np.arange(60) % 2).X
    for values in (np.array([1j, 2.0]), pd.Series([1j, 2.0], dtype=object)):
        with pytest.raises(DataError, match="^column 'z' holds complex numbers"):
            conform(pd.DataFrame({"z": values}), like)


def test_conform_reads_duration_objects_as_the_durations_they_are():
    import datetime

    like = load(pd.DataFrame({"took": pd.to_timedelta(np.arange(60), unit="min")}), np.arange(60) % 2).X
    new = pd.DataFrame({"took": pd.Series([datetime.timedelta(minutes=1), np.timedelta64(2, "m")], dtype=object)})
    assert conform(new, like)["took"].tolist() == [60.0, 120.0]


def test_conform_names_the_value_that_is_not_a_date():
    X = pd.DataFrame({"a": np.arange(60.0), "d": pd.date_range("2020", periods=60)})
    like = load(X, np.arange(60) % 2).X
    for bad in ("NaT", ""):  # what astype(str) writes for a missing date, and an empty cell
        new = X.iloc[:2].astype({"d": str})
        new.loc[1, "d"] = bad
        with pytest.raises(DataError, match=f"^column 'd' was numeric in training but holds text such as '{bad}'$"):
            conform(new, like)


def test_an_arrow_table_or_a_dict_of_columns_is_matched_by_name():
    import pyarrow as pa

    X, y = _mixed(120)
    like = load(X, y).X
    reordered = X[["when", "shop", "mixed", "num"]].astype({"mixed": str})
    pd.testing.assert_frame_equal(conform(pa.Table.from_pandas(reordered), like), like)
    pd.testing.assert_frame_equal(conform({c: reordered[c].to_numpy() for c in reordered}, like), like)
    result = _tuned(X, y)
    np.testing.assert_array_equal(result.predict_proba(pa.Table.from_pandas(reordered)), result.predict_proba(X))
