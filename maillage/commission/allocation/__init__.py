"""Pure-Python allocation engine. Never imports Django."""
