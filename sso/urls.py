from django.urls import include, path

from sso import views

urlpatterns = [
    path("refused/", views.refused, name="sso_refused"),
    path("", include("mozilla_django_oidc.urls")),
]
