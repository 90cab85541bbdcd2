from django.urls import path

from health import views

urlpatterns = [
    path("", views.book, name="home"),
    path("portfolio/", views.portfolio, name="portfolio"),
    path("assets/plotly.js", views.plotly_js, name="plotly_js"),
]
