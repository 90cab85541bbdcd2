"""The sign-in page (password and/or single sign-on), the SSO start, and the refused page."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.shortcuts import render
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from sso.backends import REFUSAL_KEY
from sso.provider import provider_setting

PASSWORD_OFF = "Password sign-in is turned off here: sign in with single sign-on."


class LoginView(auth_views.LoginView):
    """Django's sign-in page, with the single sign-on link when OIDC_ISSUER is set; with
    PASSWORD_LOGIN=0 it takes no password at all."""

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "sso_enabled": bool(settings.OIDC_ISSUER),
            "password_login": settings.PASSWORD_LOGIN,
        }

    def post(self, request, *args, **kwargs):
        if not settings.PASSWORD_LOGIN:
            context = {**self.get_context_data(), "password_refused": PASSWORD_OFF}
            return self.render_to_response(context, status=403)
        return super().post(request, *args, **kwargs)


class AuthenticateView(OIDCAuthenticationRequestView):
    """/oidc/authenticate/: off to the provider's authorization endpoint (from discovery);
    404 when single sign-on is not configured."""

    get_settings = staticmethod(provider_setting)

    def get(self, request):
        if not settings.OIDC_ISSUER:
            raise Http404("Single sign-on is not configured.")
        return super().get(request)


def refused(request):
    reason = request.session.pop(REFUSAL_KEY, "Single sign-on did not complete. Try again.")
    return render(request, "sso/refused.html", {"reason": reason}, status=403)
