"""Pure-Python indicator engine (coverage rates, catchment, gaps). Never imports Django."""
