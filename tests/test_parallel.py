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
from metahpo.parallel import PARENT_CHECK_SECONDS, Journal, WorkerDeath, run_alone, run_jobs

HERE = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
"""The environment of the scripts these tests run: this checkout's metahpo, whatever is installed."""

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
    parent = subprocess.Popen([sys.executable, str(script), str(pids), order], stderr=subprocess.DEVNULL, env=HERE)
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

    def failing_alone(function, *args, **kwargs):
        raise TerminatedWorkerError("A worker process managed by the executor was unexpectedly terminated. "
                                    "The exit codes of the workers are {EXIT(1)}")

    monkeypatch.setattr(parallel, "workers", failing)
    monkeypatch.setattr(parallel, "_in_own_process", failing_alone)
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


KILLED_IN_PROCESS = '''
import os, sys
from joblib import delayed
from metahpo.parallel import Journal, run_jobs

def square_or_die(i):
    if i == 3:
        os._exit(1)
    return i * i

list(run_jobs([delayed(square_or_die)(i) for i in range(6)], 1, journal=Journal(sys.argv[1]), keys="abcdef"))
'''


def _square_or_die_at_3(i):
    return _square_or_die(i) if i == 3 else i * i


def test_a_job_that_killed_this_process_runs_alone_on_the_rerun_and_is_recorded(tmp_path):
    script, journal = tmp_path / "killed.py", Journal(tmp_path / "journal.jsonl")
    script.write_text(KILLED_IN_PROCESS)
    assert subprocess.run([sys.executable, str(script), str(journal.path)], env=HERE).returncode == 1  # the job killed it
    assert journal.running() == {"d"}  # the job it was running when it died

    got = list(run_jobs([delayed(_square_or_die_at_3)(i) for i in range(6)], 1, journal=journal, keys="abcdef"))
    assert [i for i, _ in got] == list(range(6))  # the suspect ran first, and the order is kept
    results = dict(got)
    assert {i: results[i] for i in (0, 1, 2, 4, 5)} == {i: i * i for i in (0, 1, 2, 4, 5)}
    assert isinstance(results[3], WorkerDeath) and results[3].reason == "exit codes {EXIT(1)}"
    assert journal.running() == {"d"}  # still a suspect: the next rerun runs it alone again, not in this process

    results = dict(run_jobs([delayed(abs)(-i) for i in range(6)], 1, journal=journal, keys="abcdef"))
    assert results == {i: i for i in range(6)} and not journal.path.exists()  # it ended: nothing left to journal


def test_the_journal_counts_starts_and_ends_and_ignores_a_torn_line(tmp_path):
    journal = Journal(tmp_path / "journal.jsonl")
    assert journal.running() == set()
    for key in ("a", "a", "b", "c"):
        journal.start(key)
    journal.end("a")
    journal.end("b")
    journal.end("b")  # an end without its start changes nothing
    with open(journal.path, "a") as fh:
        fh.write('\n["end", "c')  # torn by a kill
    journal.start("d")  # not swallowed by the torn line
    assert journal.running() == {"a", "c", "d"}
    journal.compact()
    assert journal.path.read_text().count("start") == 3 and journal.running() == {"a", "c", "d"}
    journal.end("a")
    journal.clear("c")
    journal.end("d")
    journal.compact()
    assert not journal.path.exists()


@pytest.mark.parametrize("line", ["5", '["start", ["x"]]', '"ab"', '["start"]', '{"start": "x"}', "null"])
def test_a_garbled_journal_line_is_ignored_as_a_torn_one(tmp_path, line):
    journal = Journal(tmp_path / "journal.jsonl")
    journal.start("a")
    with open(journal.path, "a") as fh:
        fh.write(f"\n{line}")
    journal.start("b")
    assert journal.running() == {"a", "b"}


def test_jobs_in_worker_processes_are_not_journaled_and_a_suspect_that_finishes_there_is_cleared(tmp_path):
    journal = Journal(tmp_path / "journal.jsonl")
    assert dict(run_jobs([delayed(abs)(-1)], 2, journal=journal, keys=["a"])) == {0: 1}
    assert not journal.path.exists()
    journal.start("b")  # a suspect runs in the pool too: a death there is found out without the journal
    assert dict(run_jobs([delayed(abs)(-2)], 2, journal=journal, keys=["b"])) == {0: 2}
    assert not journal.path.exists()


def test_a_dask_cluster_runs_jobs_at_n_jobs_1_and_journals_none(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    from joblib import parallel_config

    journal = Journal(tmp_path / "journal.jsonl")
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None)
    with cluster, distributed.Client(cluster), parallel_config(backend="dask"):  # one worker thread: still not here
        written = []
        for i, result in run_jobs([delayed(abs)(-i) for i in range(4)], 1, journal=journal, keys="abcd"):
            written.append(journal.path.exists())
    assert not any(written)


def test_a_job_with_the_key_of_one_that_died_does_not_clear_it(tmp_path):
    journal = Journal(tmp_path / "journal.jsonl")
    journal.start("d")  # as a process that died in a job of dataset d left it
    results = dict(run_jobs([delayed(_square_or_die)(i) for i in (3, 2)], 1, journal=journal, keys=["d", "d"]))
    assert isinstance(results[0], WorkerDeath) and results[1] == 4 and journal.running() == {"d"}


def _fail_at_2(i):
    if i == 2:
        raise KeyboardInterrupt
    return i


def test_an_interrupt_ends_the_jobs_started_this_process_lives(tmp_path):
    journal = Journal(tmp_path / "journal.jsonl")
    with pytest.raises(KeyboardInterrupt):
        list(run_jobs([delayed(_fail_at_2)(i) for i in range(4)], 1, journal=journal, keys="abcd"))
    assert journal.running() == set()


def test_a_journal_needs_one_key_per_job(tmp_path):
    with pytest.raises(ValueError, match="one key per job: 1 keys for 2 jobs"):
        list(run_jobs([delayed(abs)(-1), delayed(abs)(-2)], 1, journal=Journal(tmp_path / "j"), keys=["a"]))


def test_run_alone_returns_the_result_or_the_death():
    assert run_alone(delayed(_square_or_die)(2)) == 4
    assert isinstance(run_alone(delayed(_square_or_die)(3)), WorkerDeath)


def _report_and_sleep(path):
    Path(path).write_text(str(os.getpid()))
    time.sleep(60)


class _Stop(Exception):
    """What the test's signal handler raises in the main thread, as SIGTERM taken as Ctrl-C does."""


def test_an_interrupted_job_run_alone_is_ended_not_awaited(tmp_path):
    import signal
    import threading

    def stop(signum, frame):
        raise _Stop

    previous = signal.signal(signal.SIGUSR1, stop)
    pid_file = tmp_path / "pid"
    threading.Thread(target=lambda: (_wait_for(pid_file), os.kill(os.getpid(), signal.SIGUSR1)), daemon=True).start()
    began = time.monotonic()
    try:
        with pytest.raises(_Stop):
            run_alone(delayed(_report_and_sleep)(str(pid_file)))
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert time.monotonic() - began < 30  # not the job's 60 s
    with pytest.raises(ProcessLookupError):  # the worker is gone (reaped)
        os.kill(int(pid_file.read_text()), 0)


def _wait_for(path, seconds=30):
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
