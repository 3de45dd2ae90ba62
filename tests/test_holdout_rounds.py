"""Rounds found on the data: ``holdout_rounds``, and recommendations that hand them out."""

import json
from dataclasses import replace

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification, make_regression

from metahpo import holdout as holdout_module
from metahpo.batch import run_batch
from metahpo.cli import main
from metahpo.datasets import load, subsample_rows
from metahpo.estimators import MetaLGBMClassifier
from metahpo.exceptions import ConfigError, DataError
from metahpo.holdout import MAX_ROUNDS, holdout, holdout_fit, holdout_rounds
from metahpo.recommendations import recommend, with_holdout_rounds


def test_holdout_rounds_follow_the_data_and_scale_to_all_rows(monkeypatch):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(1000, 4)), columns=list("abcd"))
    signal = np.sin(3 * X["a"]) * X["b"] + X["c"] ** 2
    slow = {"learning_rate": 0.05, "num_leaves": 4, "verbosity": -1}
    many = holdout_rounds(slow, X, signal.to_numpy(), "regression")
    noise = holdout_rounds(slow, X, rng.normal(size=1000), "regression")
    assert noise < 100 < many  # a clean signal keeps learning; noise stops early
    monkeypatch.setitem(holdout_module.ROUNDS_EXPONENT, "regression", 0.0)
    unscaled = holdout_rounds(slow, X, signal.to_numpy(), "regression")
    assert many == min(MAX_ROUNDS, round(unscaled * 1.25 ** 0.5))  # 80% of the rows found it
    assert holdout_rounds({**slow, "n_estimators": 7}, X, signal.to_numpy(), "regression") == unscaled


def test_large_data_is_held_out_on_a_subsample_whose_rounds_grow_to_all_rows(monkeypatch):
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(1000, 3)), columns=list("abc"))
    y = X["a"] * X["b"] + rng.normal(scale=0.3, size=1000)
    params = {"learning_rate": 0.1, "num_leaves": 4, "verbosity": -1}
    monkeypatch.setattr(holdout_module, "HOLDOUT_MAX_ROWS", 200)
    rows = subsample_rows(y.to_numpy(), False, 200, random_state=4)
    monkeypatch.setitem(holdout_module.ROUNDS_EXPONENT, "regression", 0.0)
    best = holdout_rounds(params, X.iloc[rows], y.iloc[rows], "regression", random_state=4)
    assert holdout_rounds(params, X, y, "regression", random_state=4) == best  # the same 200 rows, the same split
    monkeypatch.setitem(holdout_module.ROUNDS_EXPONENT, "regression", 1.0)
    assert holdout_rounds(params, X, y, "regression", random_state=4) == round(best * 1000 / 160)  # grown to all rows
    labels = np.repeat(["a", "b", "c"], [900, 90, 10])
    assert np.unique(labels[subsample_rows(labels, True, 200)], return_counts=True)[1].tolist() == [180, 18, 2]


def test_a_rare_class_keeps_enough_rows_in_the_subsample_to_be_held_out(monkeypatch):
    rng = np.random.default_rng(2)
    X = pd.DataFrame(rng.normal(size=(5000, 3)), columns=list("abc"))
    y = np.zeros(5000, dtype=int)
    y[np.argsort(-X["a"].to_numpy())[:9]] = 1  # 9 positives: a stratified 500 rows held one, then none out
    monkeypatch.setattr(holdout_module, "HOLDOUT_MAX_ROWS", 500)
    assert holdout_rounds({"learning_rate": 0.1, "num_leaves": 4, "verbosity": -1}, X, y, "binary") >= 1  # it
    # raised "a class is too rare to hold out 20% of the rows"
    assert y[subsample_rows(y, True, 500, min_per_class=10)].sum() == 9  # all it has, fewer than 10


def test_every_class_keeps_a_row_when_their_least_rows_do_not_fit():
    y = np.repeat(np.arange(500), 20)  # 500 classes x 10 rows do not fit in 2,000: each keeps what fits
    kept = np.unique(y[subsample_rows(y, True, 2000, min_per_class=10)], return_counts=True)[1]
    assert len(kept) == 500 and kept.sum() == 2000 and kept.min() == 4  # 6 classes had lost every row


def test_holdout_rounds_weigh_rows_and_seed_the_split():
    X, y = make_classification(400, 6, n_informative=3, flip_y=0.2, random_state=3)
    frame = pd.DataFrame(X)
    params = {"learning_rate": 0.1, "num_leaves": 15, "verbosity": -1}
    weights = np.where(y == 1, 5.0, 0.2)
    runs = {holdout_rounds(params, frame, y, "binary", random_state=s) for s in range(4)}
    assert len(runs) > 1 and holdout_rounds(params, frame, y, "binary", random_state=2) in runs
    weighted = holdout_rounds(params, frame, y, "binary", sample_weight=weights)
    assert weighted != holdout_rounds(params, frame, y, "binary")


def test_class_weights_are_the_users_labels_in_the_holdout_and_dart_is_refused():
    X, y = make_classification(300, 6, n_informative=3, n_classes=3, flip_y=0.1, random_state=4)
    frame = pd.DataFrame(X)
    params = {"learning_rate": 0.1, "num_leaves": 15, "verbosity": -1}
    rounds = holdout_rounds({**params, "class_weight": {0: 20}}, frame, y, "multiclass")
    assert rounds != holdout_rounds(params, frame, y, "multiclass")  # the weight does move the rounds
    for labels in (y + 1, np.array(["a", "b", "c"])[y]):  # class 0 under another label: the same weight
        weights = {labels[y == 0][0]: 20}
        assert holdout_rounds({**params, "class_weight": weights}, frame, labels, "multiclass") == rounds
    with pytest.raises(ConfigError, match="boosting_type 'dart' cannot stop early"):
        holdout_rounds({**params, "boosting": "dart"}, frame, y, "multiclass")


def test_holdout_on_data_too_small_to_hold_out_keeps_the_recommended_rounds():
    X = pd.DataFrame({"x": [0.0, 1.0, 2.0]})  # a training part of one class, or no validation row
    for y, task in [(np.array([0, 1, 1]), "binary"), (np.array([0.5, 1.0, 2.0]), "regression")]:
        assert holdout_rounds({"n_estimators": 40, "verbosity": -1}, X, y, task) == 40
        with pytest.raises(DataError, match="3 rows are too few to hold out"):
            holdout_rounds({"verbosity": -1}, X, y, task)


def test_a_class_too_rare_to_hold_out_is_named_as_the_reason(tiny_kb):
    X = pd.DataFrame({"x": np.arange(500.0)})
    y = np.zeros(500, dtype=int)
    y[0] = 1  # 100 validation rows, but a part with one class
    with pytest.raises(DataError, match="a class is too rare to hold out 20% of the rows"):
        holdout_rounds({"verbosity": -1}, X, y, "binary")
    note = recommend((X, y), n=1, knowledge_base=tiny_kb).notes
    assert any("kept as the knowledge base's: a class is too rare" in line for line in note), note
    y = np.array([0] * 50 + [1] * 49 + [2])  # 20 validation rows, 19 once the class training lacks is left out
    seed = next(seed for seed in range(50) if len(holdout(y, "multiclass", 0.2, seed)[1]) == 19)
    with pytest.raises(DataError, match="a class is too rare"):
        holdout_rounds({"verbosity": -1}, X.iloc[:100], y, "multiclass", random_state=seed)


def test_a_holdout_too_small_for_every_class_is_drawn_unstratified():
    y = np.array([0, 1, 2] * 3 + [0])  # every class twice or more, but 2 validation rows for 3 classes
    train, valid, _ = holdout(y, "multiclass", 0.2, seed=0)
    assert len(train) == 8 and len(valid) == 2  # each class keeps a training row: none is dropped
    model = MetaLGBMClassifier().fit(pd.DataFrame({"x": np.arange(10.0)}), y)  # raised inside scikit-learn
    assert set(model.predict(pd.DataFrame({"x": [0.0, 9.0]}))) <= {0, 1, 2}


def test_holdout_rounds_read_lightgbms_aliases(monkeypatch):
    X, y = make_regression(300, 4, noise=20.0, random_state=2)
    frame = pd.DataFrame(X)
    waits = []
    real = holdout_module.patience
    monkeypatch.setattr(holdout_module, "patience", lambda config: waits.append(real(config)) or waits[-1])
    for params in ({"learning_rate": 0.02, "n_estimators": 9}, {"eta": 0.02, "num_boost_round": 9}):
        assert holdout_rounds({**params, "verbosity": -1}, frame, y, "regression") > 9  # the 9 rounds dropped
    # patience 10 / learning rate, at the rate LightGBM trains: its learning_rate (default 0.1) outranks eta
    assert waits == [500, 100]
    assert holdout_rounds({"num_iterations": 40}, frame.head(3), y[:3], "regression") == 40


@pytest.fixture(scope="module")
def wine():
    return load("sklearn:wine")


def test_recommend_hands_out_rounds_found_on_the_data_by_default(tiny_kb, wine):
    kept = recommend(wine, n=3, knowledge_base=tiny_kb, rounds="recommended")
    found = recommend(wine, n=3, knowledge_base=tiny_kb)
    assert [c.config_id for c in found] == [c.config_id for c in kept]
    for was, now in zip(kept, found):
        assert {**now.params, "n_estimators": was.params["n_estimators"]} == was.params  # only the rounds differ
        assert now.params["n_estimators"] == holdout_rounds(was.params, wine.X, wine.y.to_numpy(), "multiclass")
    assert [c.params["n_estimators"] for c in found] != [c.params["n_estimators"] for c in kept]
    assert "found on this data" in found.explain() and "found on this data" not in kept.explain()
    small = wine.subsample(60)  # 12 validation rows: every configuration keeps its rounds, and says so
    few = recommend(small, n=3, knowledge_base=tiny_kb)
    assert [c.params for c in few] == [c.params for c in recommend(small, n=3, knowledge_base=tiny_kb,
                                                                   rounds="recommended")]
    assert "kept as the knowledge base's: 60 rows are too few" in few.explain()
    top = MetaLGBMClassifier(knowledge_base=tiny_kb).fit(wine.X, wine.y)  # one concept, one answer
    assert top.params_["n_estimators"] == found.best["n_estimators"]
    reference = lgb.LGBMClassifier(**found.best, n_jobs=1).fit(wine.X, wine.y)
    assert np.abs(top.predict_proba(wine.X) - reference.predict_proba(wine.X)).max() <= 1e-12


def test_the_first_configurations_alone_can_take_rounds_from_the_data(tiny_kb, wine):
    kept = recommend(wine, n=3, knowledge_base=tiny_kb, rounds="recommended")
    found = with_holdout_rounds(kept, wine, n=1)
    assert found.best["n_estimators"] == holdout_rounds(kept.best, wine.X, wine.y.to_numpy(), "multiclass")
    assert [c.params for c in found.configs[1:]] == [c.params for c in kept.configs[1:]]
    assert found.notes == [*kept.notes, *found.notes[-2:]]
    assert found.notes[-2].startswith("Rounds (n_estimators) of the top configuration found on this data")
    assert found.notes[-1].startswith("Checked against LightGBM's defaults by 5-fold cross-validation")


def test_holdouts_side_by_side_find_the_same_rounds(tiny_kb, wine):
    one = recommend(wine, n=3, knowledge_base=tiny_kb, rounds="holdout")
    holdout_module.forget()  # trained again, side by side
    assert recommend(wine, n=3, knowledge_base=tiny_kb, rounds="holdout", n_jobs=2).configs == one.configs
    for bad in (0, 1.5, True):
        with pytest.raises(ConfigError, match="n_jobs must be a positive integer or -1"):
            recommend(wine, knowledge_base=tiny_kb, rounds="holdout", n_jobs=bad)


def test_recommend_says_how_far_its_holdouts_are_unless_asked_not_to(tiny_kb, wine, capsys):
    recommend(wine, n=3, knowledge_base=tiny_kb)
    *lines, check = capsys.readouterr().err.splitlines()
    assert [line.split(": ")[1].split(",")[0] for line in lines] == ["1/3 done", "2/3 done", "3/3 done"]
    assert all(line.startswith("rounds on a hold-out of wine: ") and "ETA" in line for line in lines)
    assert check.startswith("top configuration against LightGBM's defaults on wine: done in")
    recommend(wine, n=3, knowledge_base=tiny_kb, verbose=False)
    assert main(["recommend", "sklearn:wine", "-n", "2", "--quiet", "--json"]) == 0
    json.loads(capsys.readouterr().out)  # stdout is the JSON alone
    recommend(wine, n=3, knowledge_base=tiny_kb, rounds="recommended")  # nothing trained, nothing to say
    assert capsys.readouterr().err == ""


def test_rounds_from_the_data_need_lightgbm(tiny_linear_kb, wine):
    with pytest.raises(ConfigError, match="rounds must be one of 'holdout', 'recommended'; got 'cv'$"):
        recommend(wine, rounds="cv")
    with pytest.raises(ConfigError, match="the linear family has none$"):
        recommend(wine, family="linear", knowledge_base=tiny_linear_kb, rounds="holdout")
    linear = recommend(wine, n=2, family="linear", knowledge_base=tiny_linear_kb)  # by default, rounds of LightGBM only
    assert not any("rounds" in note for note in linear.notes)
    same = with_holdout_rounds(linear, wine)  # as family="auto" leaves a linear choice
    assert [c.params for c in same] == [c.params for c in linear]
    assert same.notes[-1] == "rounds='holdout' left the linear family's configurations as recommended."


def test_cli_and_batch_hand_out_rounds_from_the_data(tiny_kb, wine, tmp_path, capsys):
    tiny_kb.save(tmp_path / "kb")
    kb = ["--kb", str(tmp_path / "kb")]
    assert main(["recommend", "sklearn:wine", *kb, "-n", "2", "--rounds", "holdout", "--n-jobs", "2", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    found = recommend(wine, n=2, knowledge_base=tiny_kb, rounds="holdout")
    assert [c["params"] for c in printed["configs"]] == [c.params for c in found]
    assert main(["batch", "sklearn:wine", *kb, "--out", str(tmp_path / "out"), "--rounds", "holdout"]) == 0
    capsys.readouterr()
    assert json.loads((tmp_path / "out" / "params" / "sklearn-wine.json").read_text()) == found.best
    assert main(["recommend", "sklearn:wine", *kb, "--rounds", "cv"]) == 2
    assert capsys.readouterr().err.startswith("metahpo: error: rounds must be one of")
    with pytest.raises(ConfigError, match="a tuned search finds its own"):
        run_batch(["sklearn:wine"], tmp_path / "tuned", knowledge_base=tiny_kb, tune_trials=2, rounds="holdout")


def test_the_holdout_drops_and_renumbers_classes_its_training_part_lacks():
    y = np.array([0] + [1] * 120 + [2] * 79)  # the one row of class 0 is row 0; no stratification
    seed = next(s for s in range(100) if 0 not in holdout(y, "multiclass", 0.2, s)[0])
    fit_rows, valid_rows, y_valid = holdout(y, "multiclass", 0.2, seed)
    assert 0 not in valid_rows and len(fit_rows) + len(valid_rows) == 199  # the row LightGBM could not score
    assert (y_valid == y[valid_rows] - 1).all()  # classes 1 and 2 numbered 0 and 1, as LightGBM numbers them
    X = pd.DataFrame({"x": np.arange(200.0)})
    assert 10 <= holdout_rounds({"verbosity": -1}, X, y, "multiclass", random_state=seed) <= MAX_ROUNDS


def test_a_batch_folder_resumes_with_its_own_rounds_only(tiny_kb, tmp_path):
    out = tmp_path / "out"
    run_batch(["sklearn:wine"], out, knowledge_base=tiny_kb, n=2, progress=lambda line: None)  # the hold-out's
    assert json.loads((out / "settings.json").read_text())["rounds"] == "holdout"
    with pytest.raises(ConfigError, match="rounds 'holdout' \\(now 'recommended'\\)"):
        run_batch(["sklearn:wine"], out, knowledge_base=tiny_kb, n=2, rounds="recommended", progress=lambda line: None)
    older = tmp_path / "older"  # a folder from before rounds were a setting resumes as the knowledge base's rounds
    run_batch(["sklearn:wine"], older, knowledge_base=tiny_kb, n=2, rounds="recommended", progress=lambda line: None)
    settings = json.loads((older / "settings.json").read_text())
    del settings["rounds"]
    (older / "settings.json").write_text(json.dumps(settings))
    lines = []
    run_batch(["sklearn:wine"], older, knowledge_base=tiny_kb, n=2, rounds="recommended", progress=lines.append)
    assert lines == ["batch: 1 of 1 dataset already done, 0 to run"]


def test_large_data_gets_the_list_ordered_by_its_holdouts(tiny_kb, wine, monkeypatch, tmp_path):
    from metahpo import estimators

    monkeypatch.setattr(estimators, "N_RECOMMENDED", 4)  # lists of four, wherever asked: fewer hold-outs to train
    kept = recommend(wine, n=4, knowledge_base=tiny_kb, rounds="recommended")
    fits = [holdout_fit(c.params, wine.X, wine.y.to_numpy(), "multiclass") for c in kept]
    assert recommend(wine, n=4, knowledge_base=tiny_kb).configs == [  # small data: the knowledge base's order
        replace(c, params={**c.params, "n_estimators": rounds}) for c, (rounds, _) in zip(kept, fits)]
    monkeypatch.setattr(holdout_module, "SELECT_MIN_ROWS", 100)  # wine's 178 rows as if they were many
    ordered = recommend(wine, n=4, knowledge_base=tiny_kb)
    order = sorted(range(len(kept)), key=lambda i: fits[i][1])
    assert [c.config_id for c in ordered] == [kept[i].config_id for i in order] != [c.config_id for c in kept]
    assert [c.params["n_estimators"] for c in ordered] == [fits[i][0] for i in order]
    assert ordered.configs[0].reason.startswith(f"validation loss {fits[order[0]][1]:.5g} on the hold-out")
    assert "Ordered by validation loss on the hold-out" in ordered.explain()
    assert with_holdout_rounds(kept, wine, n=1).configs == ordered.configs  # the order holds every one out, whatever n
    # the estimators hold out the same list and take the same place in its order (one thread: LightGBM's threads
    # spin on a busy machine, minutes for this fit; side by side hold-outs are checked above, with recommend)
    model = MetaLGBMClassifier(knowledge_base=tiny_kb, rank=1, n_jobs=1).fit(wine.X, wine.y)
    expected = ordered.configs[1].params
    assert {k: model.params_[k] for k in expected} == expected
    run_batch(["sklearn:wine"], tmp_path / "out", knowledge_base=tiny_kb, n=4, progress=lambda line: None)  # batch
    assert json.loads((tmp_path / "out" / "params" / "sklearn-wine.json").read_text()) == ordered.best


def test_a_metric_that_grows_is_negated_to_rank_by(wine):
    params = {"learning_rate": 0.1, "num_leaves": 4, "verbosity": -1}
    y = (wine.y.to_numpy() == 0).astype(int)
    _, loss = holdout_fit(params, wine.X, y, "binary")
    _, negated_auc = holdout_fit({**params, "metric": "auc"}, wine.X, y, "binary")
    assert 0 < loss < 1 and -1 <= negated_auc < -0.5


def test_large_data_is_ordered_by_the_recommendations_metric_where_it_orders_otherwise(tiny_kb, monkeypatch):
    data = load("sklearn:breast_cancer")
    kept = recommend(data, knowledge_base=tiny_kb, rounds="recommended")
    y = data.y.to_numpy()
    by_loss = [holdout_fit(c.params, data.X, y, "binary") for c in kept]
    by_auc = [holdout_fit(c.params, data.X, y, "binary", metric="roc_auc") for c in kept]
    assert [r for r, _ in by_auc] == [r for r, _ in by_loss] and all(-1 <= s < -0.5 for _, s in by_auc)
    assert holdout_fit(kept.best, data.X, y, "binary", metric="neg_log_loss") == by_loss[0]  # LightGBM's own loss
    monkeypatch.setattr(holdout_module, "SELECT_MIN_ROWS", 100)  # 569 rows as if they were many
    ordered = recommend(data, knowledge_base=tiny_kb, verbose=False)
    order = sorted(range(len(kept)), key=lambda i: by_auc[i][1])
    assert [c.config_id for c in ordered] == [kept[i].config_id for i in order]
    assert ordered.configs[0].reason.startswith(f"validation roc_auc {-by_auc[order[0]][1]:.5g} on the hold-out")
    assert "Ordered by validation roc_auc on the hold-out" in ordered.explain()


def test_a_validation_part_of_one_class_keeps_the_given_rounds():
    X, y = make_classification(500, 4, n_informative=3, n_redundant=0, random_state=0)
    y = np.zeros(500, dtype=int)
    y[[3, 77]] = 1  # two positives: the stratified split leaves the validation part none
    rounds, loss = holdout_fit({"n_estimators": 131, "verbosity": -1}, pd.DataFrame(X), y, "binary")
    assert rounds == 131 and np.isnan(loss)  # its log loss would fall for ever, towards the cap


def test_a_users_objective_is_scored_on_the_recommendations_metric():
    from sklearn.metrics import r2_score

    X, y = make_regression(600, 5, noise=20.0, random_state=0)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    params = {"objective": "l1", "learning_rate": 0.1, "verbosity": -1, "n_jobs": 1}
    rounds, loss = holdout_fit(params, frame, y, "regression", metric="r2")
    train, valid, y_valid = holdout(y, "regression", holdout_module.VALIDATION_FRACTION, 0)
    model = lgb.LGBMRegressor(**params, n_estimators=MAX_ROUNDS).fit(
        frame.iloc[train], y[train], eval_set=[(frame.iloc[valid], y_valid)],
        callbacks=[lgb.early_stopping(holdout_module.patience({"learning_rate": 0.1}), verbose=False)])
    assert loss == pytest.approx(-r2_score(y_valid, model.predict(frame.iloc[valid])))  # not the l1 loss


def test_holdout_rounds_take_array_like_weights_and_name_text_columns():
    X, y = make_classification(200, 3, n_informative=2, n_redundant=0, random_state=0)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    params = {"learning_rate": 0.1, "verbosity": -1}
    weights = [1.0] * 200
    unweighted = holdout_rounds(params, frame, y, "binary")
    assert holdout_rounds(params, frame, y, "binary", sample_weight=weights) == unweighted
    with pytest.raises(DataError, match="column t hold text.*metahpo.load"):
        holdout_rounds(params, frame.assign(t="x"), y, "binary")


def test_recommending_then_fitting_on_the_same_data_trains_each_model_once(tiny_kb, wine, monkeypatch):
    trained = []
    for name in ("holdout_fit", "_check"):
        real = getattr(holdout_module, name)
        monkeypatch.setattr(holdout_module, name, lambda *a, real=real, name=name, **kw: trained.append(name) or
                            real(*a, **kw))
    listed = recommend(wine, n=3, knowledge_base=tiny_kb, verbose=False)
    assert trained == ["holdout_fit"] * 3 + ["_check"]
    fitted = MetaLGBMClassifier(knowledge_base=tiny_kb, n_jobs=1).fit(wine.X, wine.y)  # its own default parameters
    assert len(trained) == 4 and fitted.params_["n_estimators"] == listed.best["n_estimators"]
    assert fitted.recommendation_.notes == listed.notes
    holdout_module.forget()
    again = MetaLGBMClassifier(knowledge_base=tiny_kb, n_jobs=1).fit(wine.X, wine.y)
    assert trained[4:] == ["holdout_fit", "_check"] and again.params_ == fitted.params_  # trained again, the same


def test_what_is_remembered_is_named_by_all_a_model_depends_on(monkeypatch):
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": pd.Categorical(["x", "y", "x"], categories=["x", "y"])})
    y = np.array([0, 1, 0])
    key = holdout_module.data_key(X, y)
    assert holdout_module.data_key(X.copy(), y.copy()) == key
    others = [(X.assign(a=[1.0, 2.0, 4.0]), y, None), (X.rename(columns={"a": "c"}), y, None),
              (X.assign(b=X["b"].cat.reorder_categories(["y", "x"])), y, None),  # other codes for LightGBM
              (X.astype({"a": "float32"}), y, None), (X, np.array(["0", "1", "0"]), None), (X, y, np.ones(3)),
              (X.assign(b=X["b"].cat.as_ordered()), y, None),  # numeric to LightGBM
              (X, np.array([10, 9, 10], dtype=object), None), (X, np.array(["10", "9", "10"], dtype=object), None)]
    assert len({key, *(holdout_module.data_key(*other) for other in others)}) == len(others) + 1
    monkeypatch.setattr(holdout_module, "MEMO_SIZE", 2)
    computed = []
    for k in ("a", "b", "a", "c", "b"):  # "b" is forgotten when "c" comes: "a" was used since
        holdout_module.remembered((k,), lambda k=k: computed.append(k) or k)
    assert computed == ["a", "b", "c", "b"]


def test_a_check_or_holdout_is_trained_again_for_another_metric_seed_or_default(monkeypatch):
    from metahpo.holdout import check_against_default, default_params, rank_by_holdout

    ds = load("sklearn:breast_cancer").subsample(150)
    params = {"n_estimators": 5, "num_leaves": 4, "verbosity": -1, "random_state": 0}
    trained = []
    for name in ("holdout_fit", "_check"):
        real = getattr(holdout_module, name)
        monkeypatch.setattr(holdout_module, name, lambda *a, real=real, name=name, **kw: trained.append(name) or
                            real(*a, **kw))
    for kw in ({}, {}, {"metric": "accuracy"}, {"random_state": 1}, {"default": {**default_params(), "num_leaves": 7}}):
        check = check_against_default(params, ds, **kw)
    assert trained == ["_check"] * 4  # the second call was remembered
    with pytest.raises(ValueError, match="read-only"):
        check.differences[0] = 1.0  # shared by every caller that asks again
    del trained[:]
    for kw in ({}, {}, {"metric": "accuracy"}, {"random_state": 1}):
        rank_by_holdout([params], ds.X, ds.y.to_numpy(), ds.task, **kw)
    assert trained == ["holdout_fit"] * 3
    del trained[:]
    shift = {"value": 0.0}
    def objective(y_true, y_pred):  # noqa: E306 - an objective whose behaviour its repr does not show
        return y_pred - y_true + shift["value"], np.ones_like(y_pred)
    for _ in range(2):
        rank_by_holdout([{**params, "objective": objective}], ds.X, ds.y.to_numpy(), "regression")
        rank_by_holdout([{**params, "monotone_constraints": np.zeros(ds.n_features)}], ds.X, ds.y.to_numpy(), ds.task)
    assert trained == ["holdout_fit"] * 4  # not named by value: trained every time


def test_a_users_objective_fits_when_a_class_is_left_out_of_the_validation_part(tiny_kb):
    X, y = make_classification(150, 4, n_informative=3, n_redundant=0, n_classes=3, random_state=0)
    frame = pd.DataFrame(X)
    y[0] = 3  # one row of class 3, in the training part: the validation part lacks a class the model has
    assert 0 in holdout(y, "multiclass", holdout_module.VALIDATION_FRACTION, 0)[0]
    params = {"objective": "multiclassova", "learning_rate": 0.1, "n_estimators": 7, "verbosity": -1}
    rounds, loss = holdout_fit(params, frame, y, "multiclass", metric="neg_log_loss")  # raised in log_loss
    assert rounds == holdout_rounds(params, frame, y, "multiclass") != 7 and np.isnan(loss)  # found, not scored
    model = MetaLGBMClassifier(objective="multiclassova", knowledge_base=tiny_kb).fit(frame, y)
    assert model.classes_.tolist() == [0, 1, 2, 3]
    assert "found on this data" in model.recommendation_.notes[-2]


def test_a_validation_part_of_weight_0_keeps_the_given_rounds_and_says_so(tiny_kb):
    X, y = make_regression(500, 4, noise=10.0, random_state=0)
    frame = pd.DataFrame(X, columns=list("abcd"))

    def unvalidated(target, task):  # weights on 100 training rows, none of the validation rows
        weights = np.zeros(500)
        weights[holdout(target, task, holdout_module.VALIDATION_FRACTION, 0)[0][:100]] = 1.0
        return weights

    for task, target, metric in [("regression", y, "r2"), ("binary", (y > 0).astype(int), "roc_auc"),
                                 ("multiclass", np.digitize(y, [-50, 50]), "accuracy")]:
        for scored in (None, metric):  # the scorers raised; LightGBM's loss was NaN, its best round the first
            rounds, loss = holdout_fit({"n_estimators": 77, "verbosity": -1}, frame, target, task,
                                       sample_weight=unvalidated(target, task), metric=scored)
            assert rounds == 77 and np.isnan(loss), (task, scored)
    weights = unvalidated(y, "regression")
    with pytest.raises(DataError, match="all have sample_weight 0"):
        holdout_rounds({"verbosity": -1}, frame, y, "regression", sample_weight=weights)
    data = load(frame, y)
    kept = recommend(data, n=2, knowledge_base=tiny_kb, rounds="recommended")
    held = with_holdout_rounds(kept, data, sample_weight=weights, check_default=False)
    assert held.configs == kept.configs
    assert held.notes[-1].startswith("Rounds (n_estimators) of every configuration kept as the knowledge base's: "
                                     "no validation row has weight")  # it said a class was too rare
