from django.urls import path

from dashboard import acting_views, views

urlpatterns = [
    path("", views.book, name="home"),
    path("portfolio/", views.portfolio, name="portfolio"),
    path("portfolio/backtest/", views.backtest_compute, name="backtest_compute"),
    path("scorecards/<int:pk>/adopt/", views.scorecard_adopt, name="scorecard_adopt"),
    path("assets/plotly.js", views.plotly_js, name="plotly_js"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/decisions/", views.decision_create, name="decision_create"),
    path("accounts/<int:pk>/notes/", views.note_create, name="note_create"),
    path("accounts/<int:pk>/conflicts/", views.conflicts_update, name="conflicts_update"),
    # Acting on an account (issue 14): actions, snoozes, sentiment.
    path(
        "accounts/<int:pk>/actions/<int:action_id>/steps/<int:index>/",
        acting_views.action_step,
        name="action_step",
    ),
    path(
        "accounts/<int:pk>/actions/<int:action_id>/close/",
        acting_views.action_close,
        name="action_close",
    ),
    path("accounts/<int:pk>/snoozes/", acting_views.flag_snooze, name="flag_snooze"),
    path("accounts/<int:pk>/sentiment/", acting_views.sentiment_set, name="sentiment_set"),
]
