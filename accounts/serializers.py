import json
from copy import copy
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as ModelValidationError
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.limits import TEXT_LIMIT
from accounts.models import (
    Account,
    Commitment,
    Decision,
    ObjectiveSignature,
    OnboardingMilestone,
    SharedObjective,
    Stakeholder,
)
from accounts.roles import Role, user_role
from accounts.selectors import accounts_visible_to, user_is_vp, user_may_own_book
from candor.fields import StrictCharField

TERMS_LIMIT = 10_000  # characters of the deal terms, written as JSON


class CappedTextSerializer(serializers.ModelSerializer):
    """Free text is capped: a model TextField has no length of its own, so a 5 MB note would be
    stored. (DRF's CharField already refuses NUL characters and lone surrogates.)"""

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, models.TextField):
            kwargs.setdefault("max_length", TEXT_LIMIT)
        return field_class, kwargs


def json_text(value) -> str:
    """`value` as stored JSON text, or ValidationError for what PostgreSQL's json cannot hold."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
        text.encode("utf-8")
    except ValueError as error:  # NaN/Infinity, or a lone surrogate (UnicodeEncodeError)
        raise serializers.ValidationError(
            "Numbers must be finite and text valid Unicode (no lone surrogates)."
        ) from error
    if "\\u0000" in text or "\x00" in text:
        raise serializers.ValidationError("Text must not contain NUL characters.")
    return text


class AccountHealthSerializer(serializers.Serializer):
    score = serializers.FloatField(source="overall", allow_null=True)
    rag = serializers.CharField()
    flags = serializers.SerializerMethodField()
    computed_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_flags(self, health) -> list[str]:
        return [code for code in health.flag_codes.strip(",").split(",") if code]


class CleanedByModel:
    """Runs the model's own `clean()` on the object as it would be saved: each rule is written
    once, on the model, and the admin, the page forms and the API all enforce it."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        instance = copy(self.instance) if self.instance is not None else model()
        concrete = {f.name for f in model._meta.concrete_fields}
        for name, value in attrs.items():
            if name in concrete:
                setattr(instance, name, value)
        try:
            instance.clean()
        except ModelValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from error
        return attrs


class AccountSerializer(CleanedByModel, CappedTextSerializer):
    csm = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.all(), required=False
    )
    sales_owner = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.all(), required=False,
        allow_null=True, help_text="The account executive who sold it (a username).",
    )  # fmt: skip
    health = AccountHealthSerializer(source="current_health", read_only=True, allow_null=True)

    class Meta:
        model = Account
        fields = [
            "id", "external_id", "name", "segment", "arr", "seats", "contract_start", "renewal_date",
            "last_renewed_on", "closed_on", "csm", "sales_owner", "lifecycle_stage", "crm_status", "outcome", "outcome_on",
            "handoff_why_bought", "handoff_real_needs", "handoff_signed_for", "handoff_urgency",
            "handoff_politics", "deal_terms", "deviating_terms", "health",
        ]  # fmt: skip
        read_only_fields = ["deviating_terms"]

    def validate_csm(self, csm):
        user = self.context["request"].user
        if not user_may_own_book(user, csm):
            raise serializers.ValidationError(
                "A CSM can only own accounts in their own book (a team lead: their team's)."
            )
        return csm

    def validate_sales_owner(self, owner):
        if owner is not None and user_role(owner) != Role.SALES:
            raise serializers.ValidationError(f"{owner.username} is not an account executive.")
        return owner

    def validate_deal_terms(self, terms):
        if len(json_text(terms)) > TERMS_LIMIT:
            raise serializers.ValidationError(f"At most {TERMS_LIMIT} characters as JSON.")
        return terms

    def validate(self, attrs):
        attrs = super().validate(attrs)
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


class VisibleStakeholderField(serializers.PrimaryKeyRelatedField):
    """A stakeholder id, accepted only from the caller's own book: one in another book is
    answered exactly like one that does not exist, so nothing says it is there."""

    def get_queryset(self):
        return Stakeholder.objects.filter(
            account__in=accounts_visible_to(self.context["request"].user)
        )


class AccountChildSerializer(CappedTextSerializer):
    account = VisibleAccountField()


class StakeholderSerializer(AccountChildSerializer):
    class Meta:
        model = Stakeholder
        fields = [
            "id", "account", "name", "email", "role", "function", "success_definition",
            "success_definition_conflicts", "last_engaged_on", "active", "left_on",
        ]  # fmt: skip


class CommitmentSerializer(AccountChildSerializer):
    """A commitment linked to a roadmap item (`roadmap_item`, its id) takes the item's status:
    product changes it once, on the item, for every customer it was promised to."""

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
            "roadmap_item",
        ]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        item = attrs.get("roadmap_item", getattr(self.instance, "roadmap_item", None))
        if item is None:
            return attrs
        if attrs.get("product_status", item.product_status) != item.product_status:
            raise serializers.ValidationError({"product_status": (
                f"It rides on the roadmap item '{item.title}', whose status is "
                f"'{item.product_status}': change the item's status instead."
            )})  # fmt: skip
        attrs["product_status"] = item.product_status
        return attrs


class MilestoneSerializer(CleanedByModel, AccountChildSerializer):
    proof_signal = StrictCharField(allow_null=True, required=False, max_length=30)

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


class DecisionSerializer(CleanedByModel, AccountChildSerializer):
    owner = VisibleStakeholderField(required=False, allow_null=True)

    class Meta:
        model = Decision
        fields = ["id", "account", "summary", "owner", "decided_on", "circulated_on", "reopened_on"]


class ObjectiveSerializer(AccountChildSerializer):
    signed_by = VisibleStakeholderField(many=True, required=False)

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
