"""Progress users can see: how far a long run is, the best so far, elapsed time and an ETA.

One vocabulary for ``kb build``, ``batch`` and ``tune``. Lines go to standard error; on a terminal
a trial line overwrites the previous one, elsewhere (a log file, a notebook) each is its own line.
Once no one reads them (``2>&1 | head`` ended), the lines are dropped and the work goes on.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from metahpo.search import Study, Trial


def duration(seconds: float) -> str:
    """``seconds`` in words a person reads at a glance: ``"0.4 s"``, ``"18 s"``, ``"3 min 5 s"``,
    ``"2 h 10 min"``."""
    if not math.isfinite(seconds):
        return "?"
    if seconds < 9.95:
        return f"{max(seconds, 0.0):.1f} s"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def plural(count: int, noun: str) -> str:
    """``"1 dataset"``, ``"2 datasets"``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def preview(items: Any, n: int = 8, last: int = 0) -> str:
    """The first ``n`` of ``items`` for a message, and the ``last`` few: ``"a, b, c, ... (12 in all)"``,
    ``"a, b, ..., y, z (12 in all)"``."""
    items = [str(i) for i in items]
    if len(items) <= n + last + (last > 0):  # with an end shown, "..." stands for two items at least
        return ", ".join(items)
    return ", ".join([*items[:n], "...", *items[len(items) - last:]]) + f" ({len(items)} in all)"


def silence(stream: TextIO) -> None:
    """Send what ``stream`` has yet to write, and every later write, to the null device: its reader
    is gone (a broken pipe), and Python's flush at exit then finds no pipe either."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, stream.fileno())
    os.close(devnull)


def _write(text: str, stream: TextIO) -> None:
    """Write ``text`` to ``stream`` at once; once no one reads it (a broken pipe, a closed terminal's
    input/output error, Windows' invalid argument), drop it and every later write to ``stream``."""
    try:
        stream.write(text)
        stream.flush()
    except OSError:
        with contextlib.suppress(OSError, ValueError):  # a stream of no file (io.StringIO) has nothing to silence
            silence(stream)


def to_stderr(line: str) -> None:
    """Write one line to standard error at once (the default destination of every progress line)."""
    _write(f"{line}\n", sys.stderr)


def eta(done: float, total: float, elapsed: float, deadline: float = math.inf) -> float:
    """Seconds still to go at the pace so far, at most ``deadline`` (seconds from now)."""
    if done == 0:
        return math.inf if total > 0 else 0.0
    return min(elapsed / done * max(total - done, 0), deadline)


def eta_line(done: int, total: int, elapsed: float, work: tuple[float, float] | None = None) -> str:
    """``"3/20 done, 12 s elapsed, ETA 1 min 8 s"``; with ``work`` (done, total), the ETA is paced
    by it rather than by the counts, for tasks of unequal size."""
    left = eta(*work, elapsed) if work is not None else eta(done, total, elapsed)
    return f"{done}/{total} done, {duration(elapsed)} elapsed, ETA {duration(left)}"


ERASE_LINE = "\x1b[K"
"""What a terminal reads as: erase the rest of the line (what a longer line overwritten left). Windows'
console shows it as text unless told otherwise: there lines are padded to the width instead."""


def _columns(terminal: TextIO) -> int:
    """The width of ``terminal`` (if it cannot tell, as :func:`shutil.get_terminal_size` finds it):
    a line as wide wraps, and a carriage return goes back to the start of its last part only."""
    try:
        columns = os.get_terminal_size(terminal.fileno()).columns
    except OSError:  # io.UnsupportedOperation included: no file descriptor
        columns = 0
    return columns or shutil.get_terminal_size().columns


def _overwriting(line: str, columns: int) -> str:
    """``line`` written over the terminal's current one: no wider than it, what a longer one left erased."""
    line = line[:columns - 1]
    return f"\r{line:<{columns - 1}}" if os.name == "nt" else f"\r{line}{ERASE_LINE}"


class TrialProgress:
    """A :class:`~metahpo.search.Study` callback writing one line per trial: its number out of the
    budget, where it came from, its score, the best so far, elapsed time and an ETA.

    One instance may follow several studies (one per model family, as ``tune(family="auto")``
    runs them): the count, the best and the ETA are then those of them all.

    Parameters
    ----------
    n_trials : int, optional
        The trial budget (None: only a ``timeout``).
    timeout : float, optional
        Seconds after which no new trial starts.
    metric : str
        The score's name, printed beside the best.
    stream : file, optional
        Default: standard error.
    show_family : bool
        Name each trial's model family (for several studies of different families).
    """

    def __init__(self, n_trials: int | None, timeout: float | None, metric: str, stream: TextIO | None = None,
                 show_family: bool = False) -> None:
        self.n_trials, self.timeout, self.metric = n_trials, timeout, metric
        self.stream = stream if stream is not None else sys.stderr
        self.show_family = show_family
        self.start = time.monotonic()
        self.done = 0
        self.skipped = 0  # trials of a resumed search: counted, not timed
        self.best = -math.inf
        self._searched = 0.0  # seconds of the searches ended: with the one running, what paces the ETA
        self._search_start: float | None = None
        self._first: float | None = None  # when the first search began: a timeout counts from then
        self._overwrite = bool(getattr(self.stream, "isatty", lambda: False)())
        self._open = False  # a line being overwritten

    def begin(self) -> None:
        """A search starts: the ETA is paced by the searches' own time, not by the setups before
        them (without a call, by the time since this object was made); a ``timeout`` counts from
        the first search's start, the setups of the later ones included, as :func:`metahpo.tune`'s does."""
        self._search_start = time.monotonic()
        self._first = self._search_start if self._first is None else self._first

    def resumed(self, n: int) -> None:
        """Count ``n`` trials of a resumed search as done: the numbering goes on after them, and the
        ETA paces only the trials left by this run's own."""
        self.skipped += n

    def __call__(self, study: Study, trial: Trial) -> None:
        if trial.source == "prior":
            return
        self.done += 1
        if study.best_trial is not None:  # prior and resumed results included: they count as evaluated
            self.best = max(self.best, study.best_score)
        now = time.monotonic()
        elapsed = now - self.start
        searched = self._searched + (now - self._search_start if self._search_start is not None else 0.0)
        pace = searched if self._search_start is not None or self._searched else elapsed
        total = self.n_trials - self.skipped if self.n_trials is not None else math.inf
        left = math.inf if self.timeout is None else self.timeout - (now - self._first if self._first else elapsed)
        of = f"/{self.n_trials}" if self.n_trials is not None else ""
        source = f"{trial.family:<8} {trial.source:<11}" if self.show_family else f"{trial.source:<11}"
        score = {"ok": f"{trial.score:.5f}", "pruned": "pruned"}.get(trial.status, "failed")
        best = "none yet" if self.best == -math.inf else f"{self.best:.5f}"
        number, times = f"trial {self.skipped + self.done}{of}", duration(eta(self.done, total, pace, left))
        line = f"{number}  {source} {score:>8}  best {self.metric} {best}  {duration(elapsed)} elapsed, ETA {times}"
        if self._overwrite:
            columns = _columns(self.stream)
            shorter = (f"{number} {score} best {best} {duration(elapsed)}, ETA {times}",  # a narrow terminal: the
                       f"{number} {score} best {best} ETA {times}", f"{number} ETA {times}")  # ETA goes last
            line = next((short for short in (line, *shorter) if len(short) < columns), shorter[-1])
            _write(_overwriting(line, columns), self.stream)
        else:
            _write(f"{line}\n", self.stream)
        self._open = self._overwrite

    def close(self) -> None:
        """End the overwritten line, if there is one (before other output, or at the end), and the
        search begun, if one is (its time is kept for the pace)."""
        if self._search_start is not None:
            self._searched += time.monotonic() - self._search_start
            self._search_start = None
        if self._open:
            _write("\n", self.stream)
            self._open = False
