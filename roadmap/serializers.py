from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Commitment, RoadmapItem


class PromiseSerializer(serializers.ModelSerializer):
    """A commitment riding on the item, with what rides on it: its account's ARR, renewal
    date and current colour."""

    account_name = serializers.CharField(source="account.name")
    arr = serializers.DecimalField(source="account.arr", max_digits=14, decimal_places=2)
    renewal_date = serializers.DateField(source="account.renewal_date")
    colour = serializers.SerializerMethodField()

    class Meta:
        model = Commitment
        fields = [
            "id", "account", "account_name", "title", "told_customer", "product_status",
            "arr", "renewal_date", "colour",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_colour(self, commitment) -> str:
        health = getattr(commitment.account, "current_health", None)
        return health.rag if health else "unknown"


class RoadmapItemSerializer(serializers.ModelSerializer):
    commitments = PromiseSerializer(source="visible_commitments", many=True, read_only=True)

    class Meta:
        model = RoadmapItem
        fields = [
            "id", "title", "product_status", "target_quarter", "description", "updated_at",
            "commitments",
        ]  # fmt: skip
        read_only_fields = ["updated_at"]
