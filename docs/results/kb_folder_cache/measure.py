"""Seconds an estimator given the knowledge base takes to fit again, and to be cross-validated (3
folds: a clone per fold), on 150 rows, the knowledge base given as a folder and as a ``KnowledgeBase``
object; median of 7 repeats after a warm-up. Run with PYTHONPATH at the checkout to measure, from the
repository's root::

    python docs/results/kb_folder_cache/measure.py
"""
import statistics
import time
import warnings

from sklearn.datasets import make_classification
from sklearn.model_selection import cross_val_score

from metahpo import MetaLGBMClassifier
from metahpo.knowledge_base import KnowledgeBase

warnings.filterwarnings("ignore")
X, y = make_classification(150, 5, random_state=0)


def timed(call) -> float:
    times = []
    for _ in range(7):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


for label, knowledge_base in (("folder", "knowledge_base"), ("object", KnowledgeBase.load("knowledge_base"))):
    model = MetaLGBMClassifier(knowledge_base=knowledge_base, rounds="recommended").fit(X, y)  # the warm-up
    print(f"{label}: refit {timed(lambda: model.fit(X, y)):.3f} s, "
          f"cross_val_score cv=3 {timed(lambda: cross_val_score(model, X, y, cv=3)):.3f} s")
