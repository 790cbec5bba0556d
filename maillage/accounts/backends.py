"""Authentication backends."""

from axes.backends import AxesStandaloneBackend


class AxesBackendAllowingTestClient(AxesStandaloneBackend):
    """Test settings only: the test client's `login()` authenticates without a request, which
    django-axes refuses; every login through a page still passes the lockout check."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
