"""The process-wide settings threads share: set by the first in, restored by the last out."""

import warnings

import pytest

from metahpo import threads


def test_a_block_whose_settings_fail_to_enter_leaves_none_behind(monkeypatch):
    class Failing:
        def limit(self, limits):
            raise RuntimeError("threadpoolctl failed")

    before = list(warnings.filters)
    monkeypatch.setattr(threads, "_pools", Failing)
    with pytest.raises(RuntimeError, match="threadpoolctl failed"):
        with threads.single_threaded((UserWarning, "x")):
            pass
    assert warnings.filters == before and threads._inside == 0 and not threads._entered


def test_nested_blocks_keep_the_settings_until_the_outer_one_ends():
    before = list(warnings.filters)
    with threads.single_threaded((UserWarning, "outer")):
        with threads.single_threaded((UserWarning, "inner"), (UserWarning, "outer")):
            assert len(warnings.filters) == len(before) + 2  # a filter given again replaces itself
        with warnings.catch_warnings(record=True) as caught:
            warnings.warn("inner", UserWarning)  # kept until the last block ends
        assert not caught
    assert warnings.filters == before


def test_the_pools_are_inspected_again_once_a_module_was_imported(monkeypatch):
    import sys

    first = threads._pools()
    assert threads._pools() is first  # nothing imported since: no new inspection (some 20 ms)
    monkeypatch.setitem(sys.modules, "a_module_that_loads_a_pool", object())
    assert threads._pools() is not first
