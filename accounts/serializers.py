from datetime import date

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.hooks import signal_kind_codes
from accounts.models import (
    Account,
    Commitment,
    Decision,
    ObjectiveSignature,
    OnboardingMilestone,
    SharedObjective,
    Stakeholder,
)
from accounts.selectors import accounts_visible_to, user_is_vp


class AccountHealthSerializer(serializers.Serializer):
    score = serializers.FloatField(source="overall", allow_null=True)
    rag = serializers.CharField()
    flags = serializers.SerializerMethodField()
    computed_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_flags(self, health) -> list[str]:
        return [code for code in health.flag_codes.strip(",").split(",") if code]


class AccountSerializer(serializers.ModelSerializer):
    csm = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.all(), required=False
    )
    health = AccountHealthSerializer(source="current_health", read_only=True, allow_null=True)

    class Meta:
        model = Account
        fields = [
            "id", "external_id", "name", "segment", "arr", "seats", "contract_start", "renewal_date",
            "last_renewed_on", "csm", "lifecycle_stage", "crm_status", "outcome", "outcome_on",
            "handoff_why_bought", "handoff_real_needs", "handoff_signed_for", "handoff_urgency",
            "handoff_politics", "deal_terms", "deviating_terms", "health",
        ]  # fmt: skip
        read_only_fields = ["deviating_terms"]

    def validate_csm(self, csm):
        user = self.context["request"].user
        if not user_is_vp(user) and csm != user:
            raise serializers.ValidationError("A CSM can only own accounts in their own book.")
        return csm

    def validate_deal_terms(self, terms):
        if not isinstance(terms, dict):
            raise serializers.ValidationError("Must be an object of term: value.")
        return terms

    def validate(self, attrs):
        start = attrs.get("contract_start", getattr(self.instance, "contract_start", None))
        renewal = attrs.get("renewal_date", getattr(self.instance, "renewal_date", None))
        if start and renewal and renewal < start:
            raise serializers.ValidationError(
                {"renewal_date": "Renewal date cannot be before contract start."}
            )
        if self.instance is None and "csm" not in attrs:
            user = self.context["request"].user
            if user_is_vp(user):
                raise serializers.ValidationError({"csm": "Name the owning CSM (a username)."})
            attrs["csm"] = user
        return attrs


class VisibleAccountField(serializers.PrimaryKeyRelatedField):
    """An account id, accepted only from the caller's own book."""

    def get_queryset(self):
        return accounts_visible_to(self.context["request"].user)


class AccountChildSerializer(serializers.ModelSerializer):
    account = VisibleAccountField()


class StakeholderSerializer(AccountChildSerializer):
    class Meta:
        model = Stakeholder
        fields = [
            "id", "account", "name", "email", "role", "function", "success_definition",
            "success_definition_conflicts", "last_engaged_on", "active", "left_on",
        ]  # fmt: skip


class CommitmentSerializer(AccountChildSerializer):
    class Meta:
        model = Commitment
        fields = [
            "id",
            "account",
            "title",
            "told_customer",
            "product_status",
            "scoped",
            "due_on",
            "made_on",
        ]


class MilestoneSerializer(AccountChildSerializer):
    proof_signal = serializers.CharField(allow_null=True, required=False, max_length=30)

    def validate_proof_signal(self, kind):
        if kind and kind not in signal_kind_codes():
            raise serializers.ValidationError(f"Unknown signal kind '{kind}'.")
        return kind

    class Meta:
        model = OnboardingMilestone
        fields = [
            "id",
            "account",
            "name",
            "kind",
            "proof_signal",
            "target_on",
            "completed_on",
            "evidence",
        ]

    def validate(self, attrs):
        kind = attrs.get("kind", getattr(self.instance, "kind", None))
        if attrs.get("proof_signal") and kind == "task":
            raise serializers.ValidationError(
                {"proof_signal": "Only an outcome milestone is proven by a signal."}
            )
        return attrs


class DecisionSerializer(AccountChildSerializer):
    class Meta:
        model = Decision
        fields = ["id", "account", "summary", "owner", "decided_on", "circulated_on", "reopened_on"]

    def validate(self, attrs):
        account = attrs.get("account", getattr(self.instance, "account", None))
        owner = attrs.get("owner", getattr(self.instance, "owner", None))
        if owner and account and owner.account_id != account.pk:
            raise serializers.ValidationError(
                {"owner": "The owner must be one of the account's stakeholders."}
            )
        today = timezone.localdate()
        for name in ("decided_on", "circulated_on", "reopened_on"):
            if attrs.get(name) and attrs[name] > today:
                raise serializers.ValidationError(
                    {name: f"Cannot be in the future (today is {today.isoformat()})."}
                )
        decided = attrs.get("decided_on", getattr(self.instance, "decided_on", None))
        for name in ("circulated_on", "reopened_on"):
            later = attrs.get(name, getattr(self.instance, name, None))
            if later and decided and later < decided:
                raise serializers.ValidationError({name: "Cannot be before the decision."})
        return attrs


class ObjectiveSerializer(AccountChildSerializer):
    signed_by = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Stakeholder.objects.all(), required=False
    )

    class Meta:
        model = SharedObjective
        fields = [
            "id", "account", "outcome", "scope", "non_scope", "success_criteria",
            "review_cadence_days", "signed_by", "last_reviewed_on",
        ]  # fmt: skip

    def validate(self, attrs):
        account = attrs.get("account", getattr(self.instance, "account", None))
        others = SharedObjective.objects.filter(account=account).exclude(
            pk=getattr(self.instance, "pk", None)
        )
        if others.exists():
            raise serializers.ValidationError(
                {"account": "This account already has a shared objective."}
            )
        strangers = [s.pk for s in attrs.get("signed_by", []) if s.account_id != account.pk]
        if strangers:
            raise serializers.ValidationError(
                {"signed_by": f"Not stakeholders of this account: {strangers}."}
            )
        return attrs

    def create(self, validated_data):
        signers = validated_data.pop("signed_by", [])
        objective = SharedObjective.objects.create(**validated_data)
        self._sign(objective, signers)
        return objective

    def update(self, instance, validated_data):
        signers = validated_data.pop("signed_by", None)
        instance = super().update(instance, validated_data)
        if signers is not None:
            ObjectiveSignature.objects.filter(objective=instance).exclude(
                stakeholder__in=signers
            ).delete()
            self._sign(instance, signers)
        return instance

    @staticmethod
    def _sign(objective, signers):
        already = set(objective.signed_by.values_list("pk", flat=True))
        ObjectiveSignature.objects.bulk_create(
            ObjectiveSignature(objective=objective, stakeholder=s, signed_on=date.today())
            for s in signers
            if s.pk not in already
        )
