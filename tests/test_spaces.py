"""Tests of :mod:`metahpo.spaces`: encoding, sampling, validation, configuration ids."""

from __future__ import annotations

import math

import numpy as np
import pytest

from metahpo.exceptions import ConfigError, MetahpoError
from metahpo.families import get_family
from metahpo.spaces import LIGHTGBM, Param, SearchSpace, config_id

PARAMS = {p.name: p for p in LIGHTGBM.params}


def _config(**overrides):
    config = {
        "learning_rate": 0.05,
        "num_leaves": 31,
        "min_child_samples": 20,
        "colsample_bytree": 0.8,
        "subsample": 0.9,
        "reg_alpha": 0.01,
        "reg_lambda": 1.0,
        "min_split_gain": 0.001,
    }
    config.update(overrides)
    return config


# --------------------------------------------------------------------------- the space


def test_lightgbm_space_shape():
    assert LIGHTGBM.family == "lightgbm"
    assert LIGHTGBM.dim == len(LIGHTGBM.params) == len(LIGHTGBM.names) == 8
    assert LIGHTGBM.names[0] == "learning_rate"
    assert "n_estimators" not in LIGHTGBM.names
    for p in LIGHTGBM.params:
        assert p.low < p.high
        if p.log:
            assert p.low > 0


def test_an_unknown_family_is_named():
    with pytest.raises(ConfigError, match="xgboost") as info:
        get_family("xgboost")
    assert "lightgbm" in str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, MetahpoError)


def test_estimator_params_add_fixed_settings():
    params = LIGHTGBM.estimator_params(_config())
    assert params["verbosity"] == -1 and params["subsample_freq"] == 1
    assert params["learning_rate"] == 0.05
    with pytest.raises(ConfigError):
        LIGHTGBM.estimator_params(_config(num_leaves=1))


def test_a_configuration_fits_rows_enough_for_the_smallest_tree():
    assert LIGHTGBM.min_leaves == PARAMS["num_leaves"].low
    assert LIGHTGBM.fits(_config(min_child_samples=25), 100)
    assert not LIGHTGBM.fits(_config(min_child_samples=26), 100)
    assert LIGHTGBM.fits(_config(min_child_samples=86), 344) and not LIGHTGBM.fits(_config(min_child_samples=86), 343)
    no_leaf_rows = SearchSpace("toy", "toy-1", (Param("x", 0.0, 1.0),), fixed={}, default={"x": 0.5})
    assert no_leaf_rows.fits({"x": 0.5}, 1)


# --------------------------------------------------------------------------- encode / decode


def test_encode_decode_round_trip():
    config = _config()
    u = LIGHTGBM.encode(config)
    assert u.shape == (LIGHTGBM.dim,)
    assert np.all((u >= 0) & (u <= 1))
    back = LIGHTGBM.decode(u)
    assert list(back) == LIGHTGBM.names
    for p in LIGHTGBM.params:
        if p.integer:
            assert isinstance(back[p.name], int)
            assert back[p.name] == config[p.name], p.name
        else:
            assert isinstance(back[p.name], float)
            assert back[p.name] == pytest.approx(config[p.name], rel=1e-9), p.name


def test_round_trip_of_many_samples():
    for config in LIGHTGBM.sample(50, random_state=7):
        u = LIGHTGBM.encode(config)
        np.testing.assert_allclose(LIGHTGBM.encode(LIGHTGBM.decode(u)), u, atol=1e-12)
        back = LIGHTGBM.decode(u)
        for name, value in config.items():
            assert back[name] == pytest.approx(value, rel=1e-9)


def test_bounds_encode_to_zero_and_one():
    low = {p.name: p.low for p in LIGHTGBM.params}
    high = {p.name: p.high for p in LIGHTGBM.params}
    np.testing.assert_allclose(LIGHTGBM.encode(low), 0.0, atol=1e-12)
    np.testing.assert_allclose(LIGHTGBM.encode(high), 1.0, atol=1e-12)
    assert LIGHTGBM.decode(np.zeros(LIGHTGBM.dim)) == pytest.approx(low)
    assert LIGHTGBM.decode(np.ones(LIGHTGBM.dim)) == pytest.approx(high)


def test_log_scale_midpoint_is_geometric_mean():
    lr = PARAMS["learning_rate"]
    assert lr.log
    assert lr.decode(0.5) == pytest.approx(math.sqrt(lr.low * lr.high), rel=1e-12)
    assert lr.encode(math.sqrt(lr.low * lr.high)) == pytest.approx(0.5, abs=1e-12)
    leaves = PARAMS["num_leaves"]
    assert leaves.decode(0.5) == round(math.sqrt(leaves.low * leaves.high))  # 32


def test_linear_scale_midpoint_is_arithmetic_mean():
    col = PARAMS["colsample_bytree"]
    assert not col.log
    assert col.decode(0.5) == pytest.approx((col.low + col.high) / 2)
    assert col.encode(0.65) == pytest.approx(0.5)


def test_decode_clips_outside_unit_cube_and_encode_clips_outside_range():
    p = Param("x", 1.0, 100.0, log=True)
    assert p.decode(-3.0) == pytest.approx(1.0)
    assert p.decode(5.0) == pytest.approx(100.0)
    assert p.encode(1e-6) == 0.0
    assert p.encode(1e6) == 1.0
    q = Param("k", 2, 10, integer=True)
    assert q.decode(1.0) == 10 and q.decode(0.0) == 2
    assert isinstance(q.decode(0.37), int)


def test_an_integer_parameter_with_fractional_ends_decodes_to_the_whole_numbers_between_them():
    for p in (Param("k", 2.5, 6.5, integer=True), Param("m", 0.5, 8.0, log=True, integer=True)):
        values = [p.decode(u) for u in np.linspace(0.0, 1.0, 101)]
        assert min(values) == math.ceil(p.low) and max(values) == math.floor(p.high)  # 2.5 was decoded to 2
        for value in values:
            p.check(value)


@pytest.mark.parametrize("low, high", [(-math.inf, math.inf), (0.0, math.inf), (-math.inf, 0.0)])
def test_a_range_must_be_finite(low, high):
    with pytest.raises(ConfigError, match="'x' needs a finite range"):  # it decoded to NaN
        Param("x", low, high)


def test_decode_stays_within_the_range_at_its_ends():
    p = Param("alpha", 1e-3, 10.0, log=True)  # exp(log(10)) is 10.00000000000001
    assert p.decode(1.0) == 10.0 and 1e-3 <= p.decode(0.0) < 1.000001e-3
    p.check(p.decode(1.0))
    for family in ("lightgbm", "linear"):  # the shipped spaces: their ends still encode to 0 and 1
        for task in ("binary", "regression"):
            space = get_family(family).space_for(task)
            for u in (0.0, 1.0):
                config = space.validate(space.decode(np.full(space.dim, u)))
                ranged = [i for i, q in enumerate(space.params) if not q.categorical]
                np.testing.assert_allclose(space.encode(config)[ranged], u, atol=1e-12)


def test_decode_wrong_dimension_or_a_point_not_finite():
    with pytest.raises(ConfigError, match="dimension"):
        LIGHTGBM.decode(np.zeros(3))
    with pytest.raises(ConfigError, match="must be finite"):
        LIGHTGBM.decode(np.r_[np.nan, np.zeros(LIGHTGBM.dim - 1)])


@pytest.mark.parametrize("low", [0.0, -1.0])
def test_a_log_parameter_needs_a_positive_range(low):
    with pytest.raises(ConfigError, match="'eta' is searched on a log scale.*positive"):
        Param("eta", low, 1.0, log=True)


# --------------------------------------------------------------------------- sampling


def test_sample_is_deterministic_per_seed_in_range_and_varied():
    a = LIGHTGBM.sample(20, random_state=0)
    b = LIGHTGBM.sample(20, random_state=0)
    c = LIGHTGBM.sample(20, random_state=1)
    assert a == b
    assert a != c
    assert len(a) == 20
    for config in a:
        assert LIGHTGBM.validate(config) is config
        for p in LIGHTGBM.params:
            assert p.low <= config[p.name] <= p.high
            assert isinstance(config[p.name], int if p.integer else float)
    for p in LIGHTGBM.params:
        values = {config[p.name] for config in a}
        assert len(values) >= 5, p.name
    assert len({config_id(config) for config in a}) == 20


def test_sample_accepts_a_generator_and_is_log_uniform():
    rng = np.random.default_rng(3)
    configs = LIGHTGBM.sample(400, random_state=rng)
    lr = np.array([c["learning_rate"] for c in configs])
    # log-uniform on [0.01, 0.3]: about half the draws lie below the geometric mean (~0.055)
    below = np.mean(lr < math.sqrt(0.01 * 0.3))
    assert 0.4 < below < 0.6
    assert LIGHTGBM.sample(0, random_state=0) == []


# --------------------------------------------------------------------------- validation


def test_valid_config_is_returned():
    config = _config()
    assert LIGHTGBM.validate(config) is config
    assert LIGHTGBM.validate(_config(n_estimators=250))["n_estimators"] == 250
    # numpy scalars are numbers too
    LIGHTGBM.validate(_config(num_leaves=np.int64(15), learning_rate=np.float32(0.1)))
    # integral floats are fine for integer parameters
    LIGHTGBM.validate(_config(num_leaves=15.0))


def test_validate_unknown_parameter_is_named():
    with pytest.raises(ConfigError, match="max_depthh"):
        LIGHTGBM.validate(_config(max_depthh=5))


def test_validate_missing_parameter_is_named():
    config = _config()
    del config["reg_lambda"]
    with pytest.raises(ConfigError, match="reg_lambda"):
        LIGHTGBM.validate(config)


@pytest.mark.parametrize(
    "name, value",
    [("learning_rate", 2.0), ("learning_rate", 0.0), ("num_leaves", 1), ("subsample", 1.5),
     ("colsample_bytree", 0.0), ("reg_alpha", -0.1), ("min_child_samples", 0), ("learning_rate", math.inf),
     ("num_leaves", 10**400), ("reg_alpha", -10**400)],  # no float holds these: no OverflowError either
)
def test_validate_out_of_valid_range(name, value):
    with pytest.raises(ConfigError, match=name) as info:
        LIGHTGBM.validate(_config(**{name: value}))
    assert "range" in str(info.value)


def test_outside_search_range_but_valid_is_accepted():
    LIGHTGBM.validate(_config(learning_rate=0.5, num_leaves=1000, reg_alpha=0.0, subsample=0.2))


def test_a_whole_number_too_large_for_a_float_is_no_choice():
    with pytest.raises(ConfigError, match="is not one of"):
        Param("depth", choices=(1, 2)).check(10**400)


@pytest.mark.parametrize("value", ["0.1", None, True, [0.1]])
def test_validate_non_number(value):
    with pytest.raises(ConfigError, match="learning_rate.*number"):
        LIGHTGBM.validate(_config(learning_rate=value))


@pytest.mark.parametrize("name", ["num_leaves", "min_child_samples", "n_estimators"])
def test_validate_non_integer_for_integer_param(name):
    with pytest.raises(ConfigError, match=f"{name}.*whole number"):
        LIGHTGBM.validate(_config(**{name: 10.5}))


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_validate_nan_or_inf_for_integer_param_is_a_config_error(value):
    with pytest.raises(ConfigError, match="num_leaves"):
        LIGHTGBM.validate(_config(num_leaves=value))


def test_validate_nan_for_float_param_is_a_config_error():
    with pytest.raises(ConfigError, match="learning_rate"):
        LIGHTGBM.validate(_config(learning_rate=math.nan))


def test_validate_n_estimators_range_and_non_dict():
    with pytest.raises(ConfigError, match="n_estimators"):
        LIGHTGBM.validate(_config(n_estimators=0))
    with pytest.raises(ConfigError, match="dict"):
        LIGHTGBM.validate([("learning_rate", 0.1)])


def test_encode_validates():
    with pytest.raises(ConfigError, match="num_leaves"):
        LIGHTGBM.encode(_config(num_leaves=0))


# --------------------------------------------------------------------------- default


def test_default_validates_and_encodes_clipped():
    default = LIGHTGBM.default
    assert default["reg_alpha"] == 0.0 and default["n_estimators"] == 100
    assert LIGHTGBM.validate(dict(default))
    u = LIGHTGBM.encode(default)
    assert u.shape == (LIGHTGBM.dim,)
    assert np.all(np.isfinite(u)) and np.all((u >= 0) & (u <= 1))
    encoded = dict(zip(LIGHTGBM.names, u))
    # below the search range: clipped to its lower end
    assert encoded["reg_alpha"] == 0.0
    assert encoded["reg_lambda"] == 0.0
    assert encoded["min_split_gain"] == 0.0
    # at the top of the search range
    assert encoded["colsample_bytree"] == pytest.approx(1.0)
    assert encoded["subsample"] == pytest.approx(1.0)
    # inside the range: not clipped
    assert 0 < encoded["learning_rate"] < 1 and 0 < encoded["num_leaves"] < 1
    assert LIGHTGBM.decode(u)["learning_rate"] == pytest.approx(0.1)
    assert LIGHTGBM.decode(u)["num_leaves"] == 31


# --------------------------------------------------------------------------- config_id


def test_config_id_stable_under_key_order():
    config = _config()
    reordered = dict(reversed(list(config.items())))
    assert list(reordered) != list(config)
    assert config_id(reordered) == config_id(config)
    ident = config_id(config)
    assert isinstance(ident, str) and len(ident) == 12
    assert all(ch in "0123456789abcdef" for ch in ident)


def test_config_id_stable_under_tiny_float_noise():
    config = _config()
    noisy = {k: (v * (1 + 1e-12) if isinstance(v, float) else v) for k, v in config.items()}
    assert noisy != config
    assert config_id(noisy) == config_id(config)
    assert config_id(_config(num_leaves=31.0)) == config_id(config)
    assert config_id(_config(num_leaves=np.int64(31))) == config_id(config)


def test_config_id_distinct_for_distinct_configs():
    assert config_id(_config()) != config_id(_config(learning_rate=0.051))
    assert config_id(_config()) != config_id(_config(num_leaves=32))
    assert config_id(_config()) != config_id(_config(n_estimators=100))
    ids = {config_id(c) for c in LIGHTGBM.sample(100, random_state=2)}
    assert len(ids) == 100


# --------------------------------------------------------------------------- custom spaces


def test_a_custom_space_works_the_same_way():
    space = SearchSpace(
        family="toy",
        version="toy-1",
        params=(Param("depth", 1, 8, integer=True), Param("eta", 0.001, 1.0, log=True)),
        fixed={},
        default={"depth": 3, "eta": 0.1},
    )
    assert space.dim == 2 and space.names == ["depth", "eta"]
    u = space.encode({"depth": 8, "eta": 0.001})
    np.testing.assert_allclose(u, [1.0, 0.0], atol=1e-12)
    assert space.decode([0.5, 0.5])["eta"] == pytest.approx(math.sqrt(0.001))
    with pytest.raises(ConfigError, match="depth"):
        space.validate({"depth": 9, "eta": 0.1})
