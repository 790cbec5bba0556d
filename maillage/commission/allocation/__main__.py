"""`python -m maillage.commission.allocation …`: see cli.py.

The process ends with `os._exit` once its output is flushed: freeing a département's
instance and output object by object (hundreds of thousands of them) would only delay the
exit. Nothing else is pending at that point (no thread, no open file)."""

import os
import sys

from maillage.commission.allocation import cli

cli.KEEP_ALIVE = []
code = cli.main()
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
