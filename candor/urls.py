from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from sso import views as sso_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", sso_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include("candor.api_urls")),
    path("ingest/segment/", include("sources.ingest_urls")),
    path("sources/", include("sources.urls")),
    path("keys/", include("integrations.urls")),
    path("audit/", include("audit.urls")),
    path("oidc/", include("sso.urls")),
    path("forecast/", include("forecast.urls")),
    path("roadmap/", include("roadmap.urls")),
    path("", include("actions.urls")),
    path("", include("teams.urls")),
    path("", include("lenses.urls")),
    path("", include("dashboard.urls")),
]

handler500 = "candor.exceptions.api_server_error"
