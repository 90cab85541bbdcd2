from django.urls import path

from integrations import views

urlpatterns = [
    path("", views.api_keys, name="api_keys"),
    path("<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
]
