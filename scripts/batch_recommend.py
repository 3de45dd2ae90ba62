"""Recommend (and optionally tune) LightGBM configurations for many datasets: the same as ``metahpo batch``.

For example, every PMLB dataset, four at a time, with a short tuning of each::

    python scripts/batch_recommend.py ../shared/datasets/pmlb --out batch_out --tune 10 --n-jobs 4
"""

import sys

from metahpo.cli import main

if __name__ == "__main__":
    sys.exit(main(["batch", *sys.argv[1:]]))
