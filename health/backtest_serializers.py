"""Validation of a backtest's window and of an adoption, shared by the API and the commands."""

from datetime import timedelta

from django.utils import timezone
from rest_framework import serializers

from health.backtest import DEFAULT_DATES, BacktestWindow
from health.models import ScorecardVersion
from health.serializers import EARLIEST_AS_OF

MAX_DATES = 60
MAX_HORIZON = 730


class BacktestParamsSerializer(serializers.Serializer):
    """start, end, every, horizon: each optional; the defaults are BacktestWindow.default's."""

    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    every = serializers.IntegerField(required=False, min_value=1, max_value=365)
    horizon = serializers.IntegerField(required=False, min_value=1, max_value=MAX_HORIZON)

    def validate(self, attrs):
        today = timezone.now().date()
        window = BacktestWindow.default(today, self.context.get("dates", DEFAULT_DATES), **attrs)
        if window.start < EARLIEST_AS_OF:
            raise serializers.ValidationError({"start": f"Must be on or after {EARLIEST_AS_OF}."})
        if window.end < window.start:
            raise serializers.ValidationError({"end": "Must be on or after start."})
        known = window.end + timedelta(days=window.horizon)
        if known > today:
            raise serializers.ValidationError(
                {"end": f"Churns within {window.horizon} days of {window.end} are not known "
                 f"until {known}; end on or before {today - timedelta(days=window.horizon)}."}
            )  # fmt: skip
        if len(window.dates) > MAX_DATES:
            raise serializers.ValidationError(
                {"every": f"That is {len(window.dates)} as-of dates; at most {MAX_DATES}."}
            )
        return {"window": window}


def window_from(params, dates: int = DEFAULT_DATES) -> BacktestWindow:
    """The validated window, or ValidationError with one message per bad parameter."""
    serializer = BacktestParamsSerializer(data=params, context={"dates": dates})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data["window"]


class AdoptSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The proposed version's id (or its number within this scorecard)."
    )

    def validate_version(self, value):
        """The scorecard's own version with that id, else the one with that number."""
        versions = ScorecardVersion.objects.filter(scorecard=self.context["scorecard"])
        version = versions.filter(pk=value).first() or versions.filter(number=value).first()
        if version is None:
            raise serializers.ValidationError(f"This scorecard has no version {value}.")
        if version.adopted_at is not None:
            raise serializers.ValidationError(
                f"Version {version.number} was adopted on {version.adopted_at:%Y-%m-%d}; "
                "propose a new one with `python manage.py calibrate`."
            )
        return version
