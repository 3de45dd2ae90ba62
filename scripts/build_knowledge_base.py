"""Build (or resume) a knowledge base: the same as ``metahpo kb build``.

The shipped knowledge base is rebuilt with (see docs/knowledge_base.md)::

    python scripts/build_knowledge_base.py ../shared/datasets/realworld ../shared/datasets/pmlb \
        --out knowledge_base --sizes 10000 --n-random 6 --n-local 2 --pool-size 64 --n-jobs 2
"""

import sys

from metahpo.cli import main

if __name__ == "__main__":
    sys.exit(main(["kb", "build", *sys.argv[1:]]))
