"""Worker pools that die with their parent process, and survive a job that kills its worker."""

import os
import subprocess
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
from joblib import delayed
from joblib.externals.loky.process_executor import TerminatedWorkerError

from metahpo import parallel
from metahpo.parallel import PARENT_CHECK_SECONDS, WorkerDeath, run_jobs

ORPHANS = '''
import os, sys, time
from joblib import delayed
from joblib.externals.loky.process_executor import TerminatedWorkerError
from metahpo.parallel import workers

def report_and_sleep(folder):
    open(os.path.join(folder, str(os.getpid())), "w").close()
    time.sleep(120)

list(workers(2, unordered=sys.argv[2] == 'unordered')(delayed(report_and_sleep)(sys.argv[1]) for _ in range(2)))
'''


@pytest.mark.parametrize("order", ["ordered", "unordered"])  # the search's batches; the build's and batch's tasks
def test_workers_exit_promptly_when_their_parent_is_killed(tmp_path, order):
    script, pids = tmp_path / "orphans.py", tmp_path / "pids"
    script.write_text(ORPHANS)
    pids.mkdir()
    parent = subprocess.Popen([sys.executable, str(script), str(pids), order], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while len(list(pids.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = [int(p.name) for p in pids.iterdir()]
        assert len(workers) == 2
    finally:
        parent.kill()  # kill -9
        parent.wait()
    deadline = time.monotonic() + 10 * PARENT_CHECK_SECONDS
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers)  # not after their two-minute tasks and the idle timeout


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")  # an exited process nobody reaped yet is a zombie (Z), not alive
    return not (stat.exists() and stat.read_text().rpartition(") ")[2].startswith("Z"))


def _square_or_die(i):
    if i in (3, 4):  # as the system kills a worker that runs out of memory
        os._exit(1)
    return i * i


@pytest.mark.parametrize("unordered", [False, True])
def test_a_job_that_kills_its_worker_is_recorded_and_the_other_jobs_go_on(unordered):
    got = list(run_jobs([delayed(_square_or_die)(i) for i in range(8)], 2, unordered=unordered))
    if not unordered:
        assert [i for i, _ in got] == list(range(8))
    results = dict(got)
    assert len(got) == 8 and {i: results[i] for i in (0, 1, 2, 5, 6, 7)} == {i: i * i for i in (0, 1, 2, 5, 6, 7)}
    for i in (3, 4):
        assert isinstance(results[i], WorkerDeath) and results[i].reason == "exit codes {EXIT(1)}"
        assert str(results[i]).startswith("its worker process died, also when run alone (exit codes {EXIT(1)})")


def test_jobs_that_each_kill_their_worker_are_each_recorded():
    results = [r for _, r in run_jobs([delayed(_square_or_die)(i) for i in (3, 4, 3, 4, 3)], 2)]
    assert len(results) == 5 and all(isinstance(r, WorkerDeath) for r in results)


def test_a_pool_that_cannot_run_even_an_empty_job_is_an_error_not_dead_jobs(monkeypatch):
    def failing(n_jobs, unordered=False):
        def run(jobs):
            list(jobs)
            raise TerminatedWorkerError("A worker process managed by the executor was unexpectedly terminated. "
                                        "The exit codes of the workers are {EXIT(1)}")
        return run

    monkeypatch.setattr(parallel, "workers", failing)
    with pytest.raises(TerminatedWorkerError, match="unexpectedly terminated"):
        list(run_jobs([delayed(abs)(-1), delayed(abs)(-2)], 2))


def _not_in_the_worker():
    raise ImportError("a module the worker cannot import")


class _Unloadable:
    def __reduce__(self):
        return _not_in_the_worker, ()


def test_a_job_the_worker_cannot_unpickle_is_the_error_it_was_not_a_death():
    with pytest.raises(BrokenProcessPool, match="un-serialize"):
        list(run_jobs([delayed(abs)(-1), delayed(repr)(_Unloadable())], 2))
