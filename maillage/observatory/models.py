"""Models of the observatory domain."""
