"""The family's status page: the offer section of the commission panel (see family.py)."""

from django.db.models import Q

from maillage.commission import reoffers
from maillage.commission.enums import OfferStatus
from maillage.commission.models import Offer


def panel(application) -> dict:
    """Context of `commission/_family_offer.html`; an empty dict hides the section.

    The open offer (structure, start date, deadline, accept/refuse) or, when none, the place
    she accepted."""
    offer = (
        Offer.objects.filter(application=application)
        .filter(Q(status=OfferStatus.OPEN) | Q(status=OfferStatus.ACCEPTED, left_at__isnull=True))
        .select_related("structure__commune")
        .order_by("-created_at", "-id")
        .first()
    )
    if offer is None:
        return {}
    return {
        "offer": offer,
        "number": application.number,
        "is_open": offer.status == OfferStatus.OPEN,
        "why": reoffers.describe(offer.reoffer_reason),
    }
