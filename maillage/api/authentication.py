"""`Authorization: Token <key>`: an organisation's API key (accounts.ApiToken)."""

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from maillage.accounts.models import ApiToken


class OrganisationTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "En-tête Authorization invalide : attendu « Token <clé> »."
            )
        key = header[1].decode(errors="replace")
        token = (
            ApiToken.objects.active()
            .select_related("user", "organisation")
            .filter(key_hash=ApiToken.hash(key))
            .first()
        )
        membership = token.membership if token is not None else None
        if token is None or membership is None:
            raise exceptions.AuthenticationFailed("Clé d'API inconnue, révoquée ou expirée.")
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        request._request.current_membership = membership
        request._request.current_organisation = membership.organisation
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class OrganisationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "maillage.api.authentication.OrganisationTokenAuthentication"
    name = "organisationToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Clé d'organisation : « Token <clé> » (commande maillage api_token).",
        }
