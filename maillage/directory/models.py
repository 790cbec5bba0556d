"""Models of the directory domain."""
