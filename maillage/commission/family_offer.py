"""The family's status page: the offer section of the commission panel (see family.py)."""


def panel(application) -> dict:
    """Context of `commission/_family_offer.html`; an empty dict hides the section."""
    return {}
