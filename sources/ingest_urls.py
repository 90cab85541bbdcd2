"""Segment's tracking API under /ingest/segment/ (point a library's host there)."""

from django.urls import path

from sources.ingest_views import ingest

urlpatterns = [
    path("v1/batch", ingest, {"path_type": "batch"}, name="segment-batch"),
    path("v1/webhook", ingest, {"path_type": "webhook"}, name="segment-webhook"),
    *(
        path(f"v1/{type_}", ingest, {"path_type": type_}, name=f"segment-{type_}")
        for type_ in ("track", "identify", "group", "page", "screen", "alias")
    ),
]
