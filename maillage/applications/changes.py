"""The one hook for every change of what the observatory's expressed demand counts.

The demand (`maillage.observatory.demand`) reads the applications' states, desired starts,
days and hours, registration dates, wishes (structures and ranks), the children's birth dates,
the households' communes, and the commission's declared places, decisions and offers. Its
cached summary is keyed by the version of the topic `QUEUE_TOPIC`; every domain service that
writes one of those calls `queue_changed()` (the workflows of applications and offers call it
after each move). A row count cannot see a wish moved from rank 2 to rank 1, nor a state
changed in place: the hook can.
"""

from maillage.core import derived

QUEUE_TOPIC = "guichet-queue"


def queue_changed() -> None:
    """The guichet's queue (or what the commission declared about it) changed: the expressed
    demand is recomputed at the next request, in every process, once the transaction commits."""
    derived.changed(QUEUE_TOPIC)
