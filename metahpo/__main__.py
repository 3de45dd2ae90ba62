"""``python -m metahpo``: the command line."""

import sys

from metahpo.cli import main

sys.exit(main())
