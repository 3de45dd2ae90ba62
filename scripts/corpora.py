"""The benchmark corpora, their leave-out groups, and the split that keeps a part untouched.

* ``pmlb``: ``../shared/datasets/pmlb`` (one folder per dataset, ``twins.csv``);
* ``realworld``: ``../shared/datasets/realworld`` (parquet files listed by ``manifest.csv``,
  ``twins.csv``);
* ``fresh``, ``reserve``, ``reserve2`` ... ``reserve6``: ``../fresh``, ``../reserve``, ``../reserve2`` ...
  ``../reserve6``, built by ``fresh_corpus.py`` (the real-world corpus's layout): real datasets no
  decision has seen, each in the split named as its corpus, for re-measuring claims (the first six have
  been read, ``reserve3`` and ``reserve4`` on 6 December 2026, ``reserve5`` on 7 December; ``reserve6``
  is kept unread for confirming the next change once).

A dataset's *group* is what a leave-one-out evaluation removes with it: its ``twins.csv`` twins and,
in PMLB, its synthetic family (``*_fri_c*``, ``GAMETES_*``, ``*_BNG_*``), closed transitively, and
the same rows or the same generator under another name in either corpus (:data:`CROSS_TWINS`).

:func:`split` assigns every group, by a salted hash of its key, to ``dev`` (about 75%: every
decision, every setting, every stopping rule is chosen there) or ``final`` (about 25%: untouched
until the final report, then reported on its own). The assignment depends on nothing but the group's
names, so it is the same in every script and every session.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from metahpo.build import Source
from metahpo.datasets import Dataset, read_manifest
from metahpo.knowledge_base import KnowledgeBase, base_id

BESIDE = Path(__file__).resolve().parents[1].parent
"""The folder the project sits in: ``shared`` is there, and the fresh and reserve corpora."""
SHARED = BESIDE / "shared" / "datasets"
UNSEEN = ("fresh", "reserve", "reserve2", "reserve3", "reserve4", "reserve5", "reserve6")
"""Corpora of real datasets no decision has seen, each a split of its own (``fresh_corpus.py``)."""
FAMILIES = (r"_fri_c\d", r"^GAMETES_", r"_BNG_")
CROSS_TWINS = (r"^(sick|allbp|allrep|dis|allhyper|allhypo)$", r"^(solar|flare|solar_flare_2)$",
               r"^(229_pwLinear|1203_BNG_pwLinear)$", r"^564_fried$|_fri_c\d")
"""Datasets of one origin under other names, across the two corpora or left apart by PMLB's
``twins.csv``, each set a pattern of names: real-world ``sick`` is PMLB's thyroid data, ``allhyper``
and ``allhypo`` its rows less one or two; real-world ``solar`` is PMLB's flare data (found by matching
their rows on 7 December 2026); ``1203_BNG_pwLinear`` is sampled from a Bayesian network learned on
``229_pwLinear`` (their columns, value sets and target moments match), and ``564_fried`` is Delve's
sample of Friedman's function #1, which the ``fri_c`` family is drawn from too (its target correlates
0.98 with the function, as theirs do; 7 December 2026, Session 47). A leave-one-out removes them with any of them
(:func:`removed_with`). The groups stay each corpus's own, so that their split keys do not change; a
group is final only if all it is removed with is final too (:func:`split`)."""
FINAL_SHARE = 0.25
SALT = "metahpo-final-v1"


@dataclass(frozen=True)
class Entry:
    """One dataset of a corpus: its name, corpus, task and a build :class:`Source`."""

    name: str
    corpus: str
    task: str
    n_rows: int
    source: Source


def load_or_failure(entry: Entry, max_rows: int, row: dict) -> tuple[Dataset | None, list[dict]]:
    """``entry``'s data (at most ``max_rows`` rows) and no row, or None and the benchmark row (``row``
    with method ``load``) that records why it could not be loaded: a broken dataset is recorded and
    the run goes on."""
    try:
        return entry.source.load(max_rows), []
    except Exception as exc:
        return None, [{**row, "method": "load", "status": "failed", "error": f"{type(exc).__name__}: {exc}"[:300]}]


def folder(corpus: str, root: Path = SHARED) -> Path:
    """Where ``corpus`` lives: ``root / corpus``, or beside the project for :data:`UNSEEN` ones."""
    return BESIDE / corpus if corpus in UNSEEN else root / corpus


def entries(corpus: str, root: Path = SHARED) -> list[Entry]:
    """Every dataset of ``corpus`` ("pmlb", "realworld", or one of :data:`UNSEEN`)."""
    if corpus == "pmlb":
        index = pd.read_csv(root / "pmlb" / "index.csv")
        tasks = {r.name: ("regression" if r.task == "regression" else "binary" if r.n_classes == 2 else "multiclass")
                 for r in index.itertuples()}
        return [Entry(r.name, "pmlb", tasks[r.name], int(r.n_rows), Source(r.name, str(root / "pmlb" / r.name)))
                for r in index.itertuples()]
    if corpus in ("realworld", *UNSEEN):
        manifest = pd.read_csv(folder(corpus, root) / "manifest.csv").set_index("name")
        return [Entry(e.name, corpus, e.task, int(manifest.loc[e.name, "n_rows"]),
                      Source(e.name, str(e.path), e.target, e.task, listed=True))
                for e in read_manifest(folder(corpus, root))]
    raise ValueError(f"unknown corpus {corpus!r}")


def groups(corpus: str, names: list[str], root: Path = SHARED, families: bool = True) -> dict[str, frozenset[str]]:
    """Each dataset's leave-out group (itself, its twins, and if ``families`` its synthetic family),
    closed transitively."""
    parent = {n: n for n in names}

    def find(n: str) -> str:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    def union(members: list[str]) -> None:
        members = [m for m in members if m in parent]
        for m in members[1:]:
            parent[find(m)] = find(members[0])

    twins = folder(corpus, root) / "twins.csv"
    if twins.exists():
        for _, members in pd.read_csv(twins).groupby("group")["name"]:
            union(list(members))
    if corpus == "pmlb" and families:
        for pattern in FAMILIES:
            union([n for n in names if re.search(pattern, n)])
    by_root: dict[str, set[str]] = {}
    for n in names:
        by_root.setdefault(find(n), set()).add(n)
    return {n: frozenset(by_root[find(n)]) for n in names}


@functools.cache
def shared_groups(root: Path = SHARED) -> dict[str, frozenset[str]]:
    """Every dataset of the two shared corpora (the knowledge base's) and its own corpus's group."""
    found: dict[str, frozenset[str]] = {}
    for corpus in ("pmlb", "realworld"):
        found |= groups(corpus, [e.name for e in entries(corpus, root)], root)
    return found


def removed_with(group: frozenset[str]) -> frozenset[str]:
    """What a leave-one-out removes with ``group``: it and the :data:`CROSS_TWINS` of its members,
    among the datasets of the shared corpora."""
    related = [p for p in CROSS_TWINS if any(re.search(p, n) for n in group)]
    return group.union(n for n in shared_groups() if any(re.search(p, n) for p in related))


def leave_out(kb: KnowledgeBase, group: frozenset[str]) -> KnowledgeBase:
    """``kb`` without ``group`` and all :func:`removed_with` it, every size of each (``name@rows``)."""
    ids = kb.datasets["dataset_id"]
    return kb.without(ids[ids.map(base_id).isin(removed_with(group))])


def leave_out_ids(ids: Iterable[str]) -> dict[str, list[str]]:
    """Each knowledge-base id of the shared corpora with the ids a leave-one-out removes with it
    (every size of its group and of all :func:`removed_with` it, itself included)."""
    ids = pd.Series(list(ids), dtype=object)
    bases = ids.map(base_id)
    group_of = shared_groups()
    return {d: ids[bases.isin(removed_with(group_of.get(b, frozenset({b}))))].tolist() for d, b in zip(ids, bases)}


def _final(key: str) -> bool:
    return int(hashlib.sha1(f"{SALT}:{key}".encode()).hexdigest()[:8], 16) / 16**8 < FINAL_SHARE


def split(group: frozenset[str], corpus: str = "") -> str:
    """The corpus's name for the :data:`UNSEEN` ones; else ``"final"`` for about a quarter of the
    groups (by a salted hash of the group's smallest member), and ``"dev"`` for the others. A group
    whose :func:`removed_with` reaches a dev group is dev too: no decision saw a final dataset's twins.
    (Until Session 47, 7 December 2026, each corpus's group was split alone, so ``allhypo``, ``564_fried`` and
    the ``BNG`` family were final beside dev twins; they are dev since.)"""
    if corpus in UNSEEN:
        return corpus
    keys = {min(group)} | {min(shared_groups().get(n, {n})) for n in removed_with(group) - group}
    return "final" if all(map(_final, keys)) else "dev"


def table(corpus: str, root: Path = SHARED) -> pd.DataFrame:
    """One row per dataset: name, corpus, task, n_rows, group (its smallest member), split."""
    es = entries(corpus, root)
    group_of = groups(corpus, [e.name for e in es], root)
    return pd.DataFrame([{"name": e.name, "corpus": corpus, "task": e.task, "n_rows": e.n_rows,
                          "group": min(group_of[e.name]), "split": split(group_of[e.name], corpus)} for e in es])
