"""Worker pools that die with their parent process."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from metahpo.parallel import PARENT_CHECK_SECONDS

ORPHANS = '''
import os, sys, time
from joblib import delayed
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
