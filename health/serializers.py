from datetime import date

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from health.models import COMPONENTS, HealthScore

EARLIEST_AS_OF = date(2000, 1, 1)
MISSING = {"score": None, "weight": 0.0, "reasons": []}


class ComponentSerializer(serializers.Serializer):
    score = serializers.FloatField(allow_null=True)
    weight = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())


class ComponentsSerializer(serializers.Serializer):
    outcomes = ComponentSerializer()
    adoption = ComponentSerializer()
    engagement = ComponentSerializer()
    alignment = ComponentSerializer()
    commitments = ComponentSerializer()


class FlagSerializer(serializers.Serializer):
    code = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())


class HealthSerializer(serializers.ModelSerializer):
    account = serializers.IntegerField(source="account_id", read_only=True)
    score = serializers.FloatField(source="overall", allow_null=True)
    components = serializers.SerializerMethodField()
    flags = FlagSerializer(many=True)
    reasons = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = HealthScore
        fields = [
            "account", "score", "rag", "components", "flags", "reasons", "checklist_completion",
            "outcome_attainment", "computed_at", "as_of", "scorecard_version",
        ]  # fmt: skip

    @extend_schema_field(ComponentsSerializer)
    def get_components(self, score) -> dict:
        """All five components, always; one without data has a null score."""
        stored = score.components or {}
        return {
            name: {**MISSING, **{k: stored.get(name, {}).get(k, MISSING[k]) for k in MISSING}}
            for name in COMPONENTS
        }


class ComparedWithSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    score = serializers.FloatField(allow_null=True)


class ChangeSerializer(serializers.Serializer):
    """One component's change (before, after, reasons added and removed), or the flags'."""

    component = serializers.CharField()
    before = serializers.FloatField(allow_null=True, required=False)
    after = serializers.FloatField(allow_null=True, required=False)
    change = serializers.FloatField(allow_null=True, required=False)
    reasons_added = serializers.ListField(child=serializers.CharField(), required=False)
    reasons_removed = serializers.ListField(child=serializers.CharField(), required=False)
    flags_raised = serializers.ListField(child=serializers.CharField(), required=False)
    flags_cleared = serializers.ListField(child=serializers.CharField(), required=False)


class LatestHealthSerializer(HealthSerializer):
    """The latest score with its trend (see health.selectors.health_trend), read from `trend`."""

    change_7d = serializers.FloatField(source="trend.change_7d", allow_null=True, read_only=True)
    change_30d = serializers.FloatField(source="trend.change_30d", allow_null=True, read_only=True)
    compared_with = ComparedWithSerializer(
        source="trend.compared_with", allow_null=True, read_only=True
    )
    what_changed = ChangeSerializer(source="trend.what_changed", many=True, read_only=True)

    class Meta(HealthSerializer.Meta):
        fields = [
            *HealthSerializer.Meta.fields, "change_7d", "change_30d", "compared_with",
            "what_changed",
        ]  # fmt: skip


class RecomputeSerializer(serializers.Serializer):
    accounts = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=100_000,
    )
    as_of = serializers.DateField(required=False)

    def validate_as_of(self, as_of):
        if as_of > timezone.now().date():
            raise serializers.ValidationError("Cannot score the future.")
        if as_of < EARLIEST_AS_OF:
            raise serializers.ValidationError(f"Must be on or after {EARLIEST_AS_OF}.")
        return as_of
