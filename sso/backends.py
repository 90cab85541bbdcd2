"""Sign-in with OpenID Connect (mozilla-django-oidc): the code flow, the RS256 ID token checked
against the provider's JWKS, its issuer and audience, and the person matched or created by
verified email with the role their groups map to. Someone whose groups map to no role, or
whose email is not verified, is refused; the refused page says why."""

import logging

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from accounts.services import user_set_role
from sso.provider import discovery, provider_setting
from sso.roles import role_for, role_groups

logger = logging.getLogger(__name__)

REFUSAL_KEY = "sso_refused"


class CandorOIDCBackend(OIDCAuthenticationBackend):
    get_settings = staticmethod(provider_setting)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        issuer = discovery(settings.OIDC_ISSUER)["issuer"]
        audience = payload.get("aud")
        audience = audience if isinstance(audience, list) else [audience]
        if payload.get("iss") != issuer or self.OIDC_RP_CLIENT_ID not in audience:
            raise SuspiciousOperation("ID token for another issuer or client.")
        return payload

    def verify_claims(self, claims):
        if not claims.get("email") or claims.get("email_verified") is not True:
            return self._refuse("Your identity provider did not give a verified email address.")
        if self._role(claims) is None:
            return self._refuse(
                "Your identity provider signed you in, but none of your groups gives you a role "
                "in Candor. Ask your administrator to add you to a Customer Success group."
            )
        return True

    def _refuse(self, reason: str) -> bool:
        self.request.session[REFUSAL_KEY] = reason
        logger.info("Single sign-on refused: %s", reason)
        return False

    def _role(self, claims):
        groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
        return role_for(groups, role_groups(settings.OIDC_ROLE_GROUPS))

    def create_user(self, claims):
        username = claims.get("preferred_username") or claims["email"]
        taken = self.UserModel.objects.filter(username=username).exists()
        user = self.UserModel.objects.create_user(
            self.get_username(claims) if taken else username, email=claims["email"]
        )
        return self.update_user(user, claims)

    def update_user(self, user, claims):
        """The role follows the groups at every sign-in; the name follows the provider."""
        user.first_name = claims.get("given_name", user.first_name)[:150]
        user.last_name = claims.get("family_name", user.last_name)[:150]
        user.save(update_fields=["first_name", "last_name"])
        user_set_role(user=user, role=self._role(claims))
        return user
