from django.urls import path

from dashboard import (
    account_views,
    acting_views,
    connect_views,
    import_views,
    override_views,
    views,
)

urlpatterns = [
    path("", views.book, name="home"),
    path("portfolio/", views.portfolio, name="portfolio"),
    path("portfolio/backtest/", views.backtest_compute, name="backtest_compute"),
    path("scorecards/<int:pk>/adopt/", views.scorecard_adopt, name="scorecard_adopt"),
    path("assets/plotly.js", views.plotly_js, name="plotly_js"),
    path("connect/", connect_views.connect, name="connect"),
    path("connect/backtest/", connect_views.connect_backtest, name="connect_backtest"),
    path("connect/calibrate/", connect_views.connect_calibrate, name="connect_calibrate"),
    path("imports/", import_views.import_upload, name="import_upload"),
    path("imports/<int:pk>/", import_views.import_detail, name="import_detail"),
    path("imports/<int:pk>/start/", import_views.import_start, name="import_start"),
    path("imports/<int:pk>/mapping/", import_views.import_map, name="import_map"),
    path("imports/<int:pk>/progress/", import_views.import_progress, name="import_progress"),
    path("accounts/<int:pk>/", account_views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/decisions/", account_views.decision_create, name="decision_create"),
    path(
        "accounts/<int:pk>/decisions/<int:decision_id>/edit/",
        account_views.decision_edit,
        name="decision_edit",
    ),
    path(
        "accounts/<int:pk>/decisions/<int:decision_id>/reopen/",
        account_views.decision_reopen,
        name="decision_reopen",
    ),
    path("accounts/<int:pk>/notes/", account_views.note_create, name="note_create"),
    path("accounts/<int:pk>/notes/<int:note_id>/edit/", account_views.note_edit, name="note_edit"),
    path("accounts/<int:pk>/conflicts/", account_views.conflicts_update, name="conflicts_update"),
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
    # Component overrides (issue 25).
    path("accounts/<int:pk>/overrides/", override_views.override_create, name="override_create"),
    path(
        "accounts/<int:pk>/overrides/<int:override_id>/end/",
        override_views.override_end,
        name="override_end",
    ),
]
