"""Candor's URLs and one page that fails, to see what a person gets from an unexpected error."""

from django.urls import path

from candor.urls import handler500, urlpatterns  # noqa: F401  (Django reads handler500 here)


def broken_page(request):
    raise RuntimeError("a fault nobody planned for")


urlpatterns = [*urlpatterns, path("broken/", broken_page)]
