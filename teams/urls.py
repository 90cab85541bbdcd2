from django.urls import path

from teams import views

urlpatterns = [path("team/", views.team_page, name="team")]
