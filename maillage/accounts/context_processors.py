def current_organisation(request):
    return {
        "current_organisation": getattr(request, "current_organisation", None),
        "current_membership": getattr(request, "current_membership", None),
    }
