"""The family's status page: the points section of the commission panel (see family.py)."""


def panel(application) -> dict:
    """Context of `commission/_family_points.html`; an empty dict hides the section."""
    return {}
