from django.urls import path

from actions import views

urlpatterns = [
    path("my-work/", views.my_work, name="my_work"),
    path("my-work/bulk/", views.my_work_bulk, name="my_work_bulk"),
    path("playbooks/", views.playbooks, name="playbooks"),
    path("playbooks/<int:pk>/", views.playbook_edit, name="playbook_edit"),
]
