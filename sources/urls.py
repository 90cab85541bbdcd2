from django.urls import path

from sources import views

urlpatterns = [
    path("", views.source_list, name="sources"),
    path("<int:pk>/", views.source_detail, name="source_detail"),
    path("<int:pk>/debugger/", views.source_debugger, name="source_debugger"),
    path("<int:pk>/events/", views.source_events, name="source_events"),
    path("<int:pk>/revoke/", views.source_revoke, name="source_revoke"),
    path("<int:pk>/rotate-key/", views.source_rotate, name="source_rotate"),
]
