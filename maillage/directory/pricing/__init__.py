"""Pure-Python price engine (PSU barème, CMG estimate) on dated parameters. Never imports Django."""
