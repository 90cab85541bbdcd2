"""REST API v1."""

from django.contrib.auth.decorators import login_required
from django.urls import path, re_path
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from actions import api as actions_api
from audit import api as audit_api
from candor.exceptions import api_not_found
from candor.schema import CachedSchemaView
from forecast import api as forecast_api
from health import api as health_api
from integrations import api as integrations_api
from lenses import api as lenses_api
from roadmap import api as roadmap_api
from signals import api as signals_api
from sources import api as sources_api
from teams import api as teams_api

router = DefaultRouter(trailing_slash=True)
router.register("accounts", health_api.AccountViewSet, basename="account")
router.register("stakeholders", accounts_api.StakeholderViewSet, basename="stakeholder")
router.register("commitments", accounts_api.CommitmentViewSet, basename="commitment")
router.register("milestones", accounts_api.MilestoneViewSet, basename="milestone")
router.register("decisions", accounts_api.DecisionViewSet, basename="decision")
router.register("objectives", accounts_api.ObjectiveViewSet, basename="objective")
router.register("signal-kinds", signals_api.SignalKindViewSet, basename="signal-kind")
router.register("scorecards", health_api.ScorecardViewSet, basename="scorecard")
router.register("actions", actions_api.ActionViewSet, basename="action")
router.register("webhooks", actions_api.WebhookViewSet, basename="webhook")
router.register("sources", sources_api.SourceViewSet, basename="source")
router.register("keys", integrations_api.ApiKeyViewSet, basename="api-key")
router.register("teams", teams_api.TeamViewSet, basename="team")
router.register("roadmap-items", roadmap_api.RoadmapItemViewSet, basename="roadmap-item")

urlpatterns = [
    path("schema/", CachedSchemaView.as_view(), name="api-schema"),
    path(
        "docs/",
        login_required(
            SpectacularSwaggerSplitView.as_view(
                url_name="api-schema", template_name="api/docs.html"
            )
        ),
        name="api-docs",
    ),
    path("signals/", signals_api.SignalListCreate.as_view(), name="signals"),
    # The health payload with the CSM's sentiment beside the score (actions extends health's).
    path("accounts/<int:pk>/health/", actions_api.AccountHealth.as_view(), name="account-health"),
    path(
        "accounts/<int:pk>/sentiment/",
        actions_api.AccountSentiment.as_view(),
        name="account-sentiment",
    ),
    path(
        "accounts/<int:pk>/snoozes/", actions_api.AccountSnoozes.as_view(), name="account-snoozes"
    ),
    path(
        "accounts/<int:pk>/snoozes/<int:snooze_id>/",
        actions_api.AccountSnooze.as_view(),
        name="account-snooze",
    ),
    path(
        "accounts/<int:pk>/timeline/",
        actions_api.AccountTimeline.as_view(),
        name="account-timeline",
    ),
    path(
        "accounts/<int:pk>/health/history/",
        health_api.AccountHealthHistory.as_view(),
        name="account-health-history",
    ),
    path("health/", health_api.HealthList.as_view(), name="health-list"),
    path("health/recompute/", health_api.Recompute.as_view(), name="health-recompute"),
    path("tasks/<str:task_id>/", health_api.TaskState.as_view(), name="task-state"),
    path("portfolio/", health_api.Portfolio.as_view(), name="portfolio-api"),
    path("audit/", audit_api.AuditList.as_view(), name="audit-list"),
    path("forecast/", forecast_api.Forecast.as_view(), name="forecast-api"),
    path("sales/", lenses_api.SalesLens.as_view(), name="sales-api"),
    path("terms/", lenses_api.TermsLens.as_view(), name="terms-api"),
    path(
        "accounts/<int:pk>/overrides/",
        health_api.AccountOverrides.as_view(),
        name="account-overrides",
    ),
    path(
        "accounts/<int:pk>/overrides/<int:override_id>/",
        health_api.AccountOverride.as_view(),
        name="account-override",
    ),
    path(
        "accounts/<int:pk>/forecast-call/",
        forecast_api.AccountForecastCall.as_view(),
        name="account-forecast-call",
    ),
    *router.urls,
    re_path(r"^.*$", api_not_found),
]
