"""Models of the applications domain."""
