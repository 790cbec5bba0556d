"""Models of the conventions domain."""
