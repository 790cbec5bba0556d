"""What the family's status page shows of the commission, gathered in one call: her points
line by line (grids), her open offer (offers), her letters and where she stands (letters)."""

from maillage.commission import employers, family_letters, family_offer, family_points


def family_panel(application) -> dict:
    """Context for `commission/_family_panel.html` (four sections, each owned by one module)."""
    return {
        "points": family_points.panel(application),
        "offer": family_offer.panel(application),
        "letters": family_letters.panel(application),
        "employer": employers.panel(application, editable=True),
    }
