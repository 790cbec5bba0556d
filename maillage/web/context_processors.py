from django.conf import settings


def site(request):
    """What every page's footer shows: the accessibility status (RGAA) of the deployment."""
    return {"accessibility_status": settings.MAILLAGE_ACCESSIBILITY_STATUS}
