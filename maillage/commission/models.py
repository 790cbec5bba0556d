"""Models of the commission domain."""
