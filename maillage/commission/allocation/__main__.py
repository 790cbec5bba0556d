"""`python -m maillage.commission.allocation …`: see cli.py."""

import sys

from maillage.commission.allocation.cli import main

sys.exit(main())
