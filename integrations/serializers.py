from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework import serializers

from integrations.models import ApiKey, Scope


class ApiKeySerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)
    created_at = serializers.DateTimeField(source="created", read_only=True)
    expires_at = serializers.DateTimeField(source="expiry_date", read_only=True, allow_null=True)
    status = serializers.CharField(read_only=True, help_text="active, expired or revoked")

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "user", "scopes", "created_at", "expires_at",
                  "last_used_at", "revoked", "status"]  # fmt: skip
        read_only_fields = fields


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(
        read_only=True, help_text="Send as `Authorization: Bearer KEY`. Shown only this once."
    )

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=Scope.choices), allow_empty=False, min_length=1,
        help_text="read; write (includes read); ingest (only POST /api/v1/signals/).",
    )  # fmt: skip
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    user = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True),
        required=False, help_text="Whose key it is (VPs only); the caller by default.",
    )  # fmt: skip

    def validate_expires_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("Must be in the future.")
        return value
