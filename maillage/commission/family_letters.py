"""The family's status page: the letters section of the commission panel (see family.py)."""


def panel(application) -> dict:
    """Context of `commission/_family_letters.html`; an empty dict hides the section."""
    return {}
