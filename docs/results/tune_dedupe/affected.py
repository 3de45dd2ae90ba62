"""The dev datasets (the 123 of the rule of 7 December 2026, 05:30) whose tune warm start of five holds fewer than
five distinct configurations: each one's recommendations computed as benchmark_tune.py's metahpo computes them (the
same sample, seed, split, folds and leave-out knowledge base), no trial run. Run with PYTHONPATH at a checkout.

    PYTHONPATH=/work/wt_old python docs/results/tune_dedupe/affected.py > docs/results/tune_dedupe/affected.csv
"""
import sys
import warnings
import zlib
from pathlib import Path

sys.path.insert(0, str(Path.cwd() / "scripts"))
warnings.filterwarnings("ignore")
import corpora  # noqa: E402
from benchmark_tune import split  # noqa: E402

import metahpo.tuning as tuning  # noqa: E402
from metahpo.knowledge_base import KnowledgeBase  # noqa: E402
from metahpo.spaces import config_id  # noqa: E402

SETS = [("pmlb_dev", "pmlb", "dev", 20, 2000), ("realworld_dev", "realworld", "dev", 12, 5000),
        ("fresh", "fresh", "fresh", 16, 5000), ("reserve", "reserve", "reserve", 16, 5000),
        ("reserve2", "reserve2", "reserve2", 20, 5000), ("reserve3", "reserve3", "reserve3", 20, 5000),
        ("reserve4", "reserve4", "reserve4", 20, 5000)]


class Stop(Exception):
    pass


def warm_of(train_ds, kb, seed):
    seen = []

    def spy(*args, **kwargs):
        seen.extend(kwargs["warm_start_configs"])
        raise Stop

    real, tuning.make_sampler = tuning.make_sampler, spy
    try:
        tuning.tune(train_ds, n_trials=10, family="lightgbm", sampler="bayes", warm_start=5, cv=3, random_state=seed,
                    knowledge_base=kb, verbose=False)
    except Stop:
        pass
    finally:
        tuning.make_sampler = real
    return seen


kb = KnowledgeBase.load("knowledge_base")
ids = kb.datasets["dataset_id"]
bases = ids.str.partition("@")[0]
print("set,dataset,warm,distinct", flush=True)
for name, corpus, split_name, n, max_rows in SETS:
    table = corpora.table(corpus)
    table = table[table["split"] == split_name].drop_duplicates("group")
    sample = table.groupby("task", group_keys=False).apply(
        lambda g: g.sample(min(len(g), max(3, round(n * len(g) / len(table)))), random_state=0))
    entries = {e.name: e for e in corpora.entries(corpus)}
    group_of = corpora.groups(corpus, list(entries))
    for dataset in sample["name"]:
        try:
            removed = set(ids[bases.isin(corpora.removed_with(group_of[dataset]))])
            seed = zlib.crc32(dataset.encode()) % 10_000
            data = entries[dataset].source.load(max_rows)
            train, _ = split(data, seed)
            warm = warm_of(data.take(train), kb.without(removed), seed)
            print(f"{name},{dataset},{len(warm)},{len({config_id(c) for c in warm})}", flush=True)
        except Exception as exc:  # a dataset that does not load: the benchmark has no row of it either
            print(f"{name},{dataset},,,{type(exc).__name__}", flush=True)
