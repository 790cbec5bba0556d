"""Sets `request.current_organisation` and `request.current_membership`.

A professional may belong to several organisations; the one they act for is kept in the session
(switched on "Mon espace"). Without a choice, the first membership is used.
"""

SESSION_KEY = "current_organisation_id"


class CurrentOrganisationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.current_organisation = None
        request.current_membership = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_family:
            memberships = list(user.active_memberships())
            chosen = request.session.get(SESSION_KEY)
            membership = next((m for m in memberships if m.organisation_id == chosen), None)
            if membership is None and memberships:
                membership = memberships[0]
                request.session[SESSION_KEY] = membership.organisation_id
            if membership is not None:
                request.current_membership = membership
                request.current_organisation = membership.organisation
        return self.get_response(request)
