from django.contrib.auth import get_user_model
from rest_framework import serializers

from signals.selectors import signal_kind_codes
from sources.messages import ACCOUNT_FIELDS
from sources.models import EventMapping, Source


class SourceSerializer(serializers.ModelSerializer):
    default_csm = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True),
        allow_null=True, required=False,
    )  # fmt: skip
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Source
        fields = [
            "id", "name", "key_prefix", "key_last_used_at", "revoked", "revoked_at",
            "default_csm", "trait_map", "created_by", "created_at",
        ]  # fmt: skip
        read_only_fields = ["revoked", "revoked_at"]

    def validate_trait_map(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("An object of Candor field: trait name.")
        unknown = sorted(set(value) - set(ACCOUNT_FIELDS))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown field(s) {', '.join(unknown)}: use {', '.join(ACCOUNT_FIELDS)}."
            )
        if not all(isinstance(v, str) and v.strip() and len(v) <= 200 for v in value.values()):
            raise serializers.ValidationError("Each trait name is a non-empty text.")
        return value


class SourceWithKeySerializer(SourceSerializer):
    """The reply to a create or a key rotation: the only times the key is shown."""

    key = serializers.CharField(read_only=True)

    class Meta(SourceSerializer.Meta):
        fields = [*SourceSerializer.Meta.fields, "key"]


class EventMappingSerializer(serializers.ModelSerializer):
    class Meta:
        model = EventMapping
        fields = ["event", "count", "first_seen", "last_seen", "kind", "value_property"]


class EventMappingChangeSerializer(serializers.Serializer):
    event = serializers.CharField(max_length=200)
    kind = serializers.CharField(max_length=30, allow_null=True)
    value_property = serializers.CharField(
        max_length=200, allow_null=True, allow_blank=True, required=False, default=None
    )

    def validate_kind(self, value):
        if value is not None and value not in self.context["kinds"]:
            raise serializers.ValidationError(
                f"Unknown kind {value!r}: register it at /api/v1/signal-kinds/ first."
            )
        return value

    def validate_value_property(self, value):
        return value or None


def event_changes_serializer(data):
    return EventMappingChangeSerializer(
        data=data, many=True, context={"kinds": signal_kind_codes()}
    )
