from django.urls import path

from roadmap import views

urlpatterns = [
    path("", views.roadmap_page, name="roadmap"),
    path("items/", views.roadmap_item_create, name="roadmap_item_create"),
    path("items/<int:pk>/status/", views.roadmap_item_status, name="roadmap_item_status"),
]
