from rest_framework import serializers

from audit.selectors import OBJECT_TYPES


class AuditFilterSerializer(serializers.Serializer):
    object_type = serializers.ChoiceField(choices=OBJECT_TYPES, required=False)
    object_id = serializers.CharField(required=False, max_length=100)
    actor = serializers.CharField(required=False, max_length=150, help_text="A username.")


class AuditRowSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True, help_text="Username; null for a command.")
    action = serializers.ChoiceField(choices=["create", "update", "delete"])
    object_type = serializers.CharField(help_text="app_label.model, e.g. health.scorecard")
    object_id = serializers.CharField()
    changes = serializers.DictField(
        child=serializers.ListField(min_length=2, max_length=2), help_text="{field: [old, new]}"
    )
    request_id = serializers.CharField(allow_null=True)
