from django.urls import path

from forecast import views

urlpatterns = [path("", views.forecast_page_view, name="forecast")]
