from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from candor.fields import FormJSONDictField, StrictDateField
from health.models import (
    COMPONENTS,
    ComponentOverride,
    HealthScore,
    Scorecard,
    ScorecardVersion,
    validate_spec,
)

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
    confidence = ComponentSerializer()
    sentiment = ComponentSerializer()


class FlagSerializer(serializers.Serializer):
    code = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    caps = serializers.BooleanField(
        required=False, help_text="Whether this flag keeps the score from green."
    )


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
            "outcome_attainment", "computed_at", "as_of", "scorecard_version", "scorecard",
            "colour_rule",
        ]  # fmt: skip

    colour_rule = serializers.CharField(
        source="explanation.colour_rule", read_only=True,
        help_text="The colour's cut-offs and capping flags of the scorecard that scored it.",
    )  # fmt: skip

    @extend_schema_field(ComponentsSerializer)
    def get_components(self, score) -> dict:
        """Every component, always; one without data has a null score."""
        stored = score.components or {}
        return {
            name: {**MISSING, **{k: stored.get(name, {}).get(k, MISSING[k]) for k in MISSING}}
            for name in COMPONENTS
        }


class ComparedWithSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    score = serializers.FloatField(allow_null=True)


class ChangeSerializer(serializers.Serializer):
    """One component's change (before, after, reasons added and removed), the flags', or
    (component "scorecard") a change of scorecard version between the two scores."""

    component = serializers.CharField()
    before = serializers.FloatField(allow_null=True, required=False)
    after = serializers.FloatField(allow_null=True, required=False)
    change = serializers.FloatField(allow_null=True, required=False)
    reasons_added = serializers.ListField(child=serializers.CharField(), required=False)
    reasons_removed = serializers.ListField(child=serializers.CharField(), required=False)
    flags_raised = serializers.ListField(child=serializers.CharField(), required=False)
    flags_cleared = serializers.ListField(child=serializers.CharField(), required=False)
    scorecard_before = serializers.IntegerField(required=False, help_text="Scorecard version.")
    scorecard_after = serializers.IntegerField(required=False, help_text="Scorecard version.")
    customer_unchanged = serializers.BooleanField(
        required=False, help_text="The customer's data was the same under both versions."
    )
    note = serializers.CharField(required=False)


class ComponentOverrideSerializer(serializers.ModelSerializer):
    """A component override: `component`, `value` (0-100), `reason`, `until` (its last day)."""

    component = serializers.ChoiceField(choices=list(COMPONENTS))
    value = serializers.FloatField(min_value=0, max_value=100)
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = ComponentOverride
        fields = ["id", "component", "value", "reason", "until", "author", "created_at",
                  "ended_at", "in_force"]  # fmt: skip
        read_only_fields = ["id", "author", "created_at", "ended_at", "in_force"]

    def get_in_force(self, override) -> bool:
        return override.in_force_on(timezone.now().date())

    def validate_until(self, until):
        if until < timezone.now().date():
            raise serializers.ValidationError("An override cannot end before today.")
        return until


class LatestHealthSerializer(HealthSerializer):
    """The latest score with its trend (see health.selectors.health_trend), read from `trend`."""

    change_7d = serializers.FloatField(source="trend.change_7d", allow_null=True, read_only=True)
    change_30d = serializers.FloatField(source="trend.change_30d", allow_null=True, read_only=True)
    compared_with = ComparedWithSerializer(
        source="trend.compared_with", allow_null=True, read_only=True
    )
    what_changed = ChangeSerializer(source="trend.what_changed", many=True, read_only=True)
    # The adopted churn model's reading (health.selectors.health_churn_probability), from `churn`.
    churn_probability = serializers.FloatField(
        source="churn.churn_probability", allow_null=True, read_only=True,
        help_text="0-1: the chance of churning within churn_horizon_days; null with no model.",
    )  # fmt: skip
    churn_horizon_days = serializers.IntegerField(
        source="churn.churn_horizon_days", allow_null=True, read_only=True
    )
    churn_model_version = serializers.IntegerField(
        source="churn.churn_model_version", allow_null=True, read_only=True
    )
    overrides = ComponentOverrideSerializer(
        source="overrides_in_force", many=True, read_only=True,
        help_text="People's component values in force in place of the computed ones.",
    )  # fmt: skip
    churn_probability_note = serializers.CharField(
        source="churn.churn_probability_note", read_only=True,
        help_text="Why there is no probability, where there is none.",
    )  # fmt: skip

    class Meta(HealthSerializer.Meta):
        fields = [
            *HealthSerializer.Meta.fields, "change_7d", "change_30d", "compared_with",
            "what_changed", "churn_probability", "churn_horizon_days", "churn_model_version",
            "churn_probability_note", "overrides",
        ]  # fmt: skip


class RecomputeSerializer(serializers.Serializer):
    accounts = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=100_000,
    )
    as_of = StrictDateField(required=False)

    def validate_as_of(self, as_of):
        if as_of > timezone.now().date():
            raise serializers.ValidationError("Cannot score the future.")
        if as_of < EARLIEST_AS_OF:
            raise serializers.ValidationError(f"Must be on or after {EARLIEST_AS_OF}.")
        return as_of


class ScorecardVersionSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    adopted_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    live = serializers.SerializerMethodField()

    class Meta:
        model = ScorecardVersion
        fields = [
            "id", "number", "live", "weights", "thresholds", "targets", "capping_flags",
            "value_kinds", "usage_kinds", "note", "created_at", "created_by", "adopted_at",
            "adopted_by",
        ]  # fmt: skip
        read_only_fields = fields

    def get_live(self, version) -> bool:
        return version.number == version.scorecard.version


class ScorecardSerializer(serializers.ModelSerializer):
    """A scorecard with its live fields and every version it has had, oldest first. Editing one
    writes a new version and makes it live."""

    versions = ScorecardVersionSerializer(many=True, read_only=True)
    weights = FormJSONDictField(child=serializers.FloatField(min_value=0), required=False)
    thresholds = FormJSONDictField(child=serializers.FloatField(), required=False)
    targets = FormJSONDictField(child=serializers.FloatField(min_value=0), required=False)
    capping_flags = serializers.ListField(child=serializers.CharField(), required=False)
    value_kinds = serializers.ListField(child=serializers.CharField(), required=False)
    usage_kinds = serializers.ListField(child=serializers.CharField(), required=False)
    silence_grace_days = serializers.IntegerField(
        min_value=0, max_value=3650, required=False,
        help_text="Days an account that has sent no signal yet stays unknown (not red) after the "
        "later of its contract start and its arrival; then it scores with never_active. The "
        "same number as targets.silence_grace_days.",
    )  # fmt: skip

    class Meta:
        model = Scorecard
        fields = [
            "id", "name", "segment", "version", "weights", "thresholds", "targets",
            "capping_flags", "value_kinds", "usage_kinds", "updated_at", "versions",
            "silence_grace_days",
        ]  # fmt: skip
        read_only_fields = ["segment", "version", "updated_at"]

    def to_representation(self, scorecard):
        data = super().to_representation(scorecard)
        return data | scorecard.effective_spec()

    def validate(self, attrs):
        grace = attrs.pop("silence_grace_days", None)
        if grace is not None:  # a target like the others, named on its own for clients
            attrs["targets"] = {**attrs.get("targets", {}), "silence_grace_days": grace}
        spec = self.instance.effective_spec() | {
            name: {**self.instance.effective_spec()[name], **value}
            if isinstance(value, dict) else value
            for name, value in attrs.items() if name != "name"
        }  # fmt: skip
        try:
            validate_spec(spec)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error
        return {name: spec[name] if name in spec else value for name, value in attrs.items()}
