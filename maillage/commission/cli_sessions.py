"""`maillage commission` subcommands of this area (see management/commands/commission.py)."""


def register(subparsers) -> None:
    """Add this area's subparsers, each with `set_defaults(handler=...)`."""
