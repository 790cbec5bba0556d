"""`python -m maillage.commission.allocation …`: see cli.py.

The process ends with `os._exit` once its output is flushed: freeing a département's
instance and output object by object (hundreds of thousands of them) would only delay the
exit. Nothing else is pending at that point (no thread, no open file)."""

import gc
import os
import sys

# A command is one short process that frees nothing before `os._exit`: the cyclic collector
# would only walk the imports' and the instance's objects over and over (see cli.cmd_solve).
gc.disable()

from maillage.commission.allocation import cli  # noqa: E402

cli.KEEP_ALIVE = []
code = cli.main()
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
