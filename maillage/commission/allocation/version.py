"""The engine's version, written in every run record.

Bump it whenever an output could change for the same input, so that a decision can always
be traced to the exact rule that produced it.
"""

ENGINE_NAME = "maillage-allocation"
__version__ = "1.1.0"  # 1.1.0: `optimal` solves without CP-SAT's presolve
