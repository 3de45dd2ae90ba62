"""linear-3's knowledge base: knowledge_base/linear's runs (linear-1, tol 1e-6), its binary datasets'
runs replaced by docs/results/knowledge_base_linear2's (the same runs evaluated under tol 1e-3).

Run from the project's root: ``python docs/results/linear3/make_knowledge_base.py OUT`` (OUT may be
knowledge_base/linear itself: both folders are read before anything is written)."""
import shutil
import sys
from pathlib import Path

import pandas as pd

from metahpo.knowledge_base import KnowledgeBase

old = KnowledgeBase.load("knowledge_base/linear")
tol3 = KnowledgeBase.load("docs/results/knowledge_base_linear2")
binary = set(old.datasets.loc[old.datasets["task"] == "binary", "dataset_id"])
runs = pd.concat([old.runs[~old.runs["dataset_id"].isin(binary)], tol3.runs[tol3.runs["dataset_id"].isin(binary)]],
                 ignore_index=True)
merged = KnowledgeBase(datasets=old.datasets, configurations=old.configurations, runs=runs, family="linear",
                       space_version="linear-3",
                       provenance={**old.provenance, "linear-3": "binary runs from docs/results/knowledge_base_linear2 "
                                   "(tol 1e-3), the others from knowledge_base/linear (linear-1, tol 1e-6)"})
out = Path(sys.argv[1])
if out.exists():
    shutil.rmtree(out)
merged.save(out)
print(f"{len(runs)} runs, {int(runs['dataset_id'].isin(binary).sum())} of them binary, written to {out}")
