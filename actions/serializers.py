import binascii
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from rest_framework import serializers

from accounts.limits import STEP_TEXT_LIMIT, STEPS_LIMIT, TEXT_LIMIT
from accounts.models import Account
from accounts.selectors import accounts_visible_to
from actions.models import (
    Action,
    ActionStatus,
    FlagSnooze,
    Playbook,
    Rating,
    Sentiment,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
)
from actions.receivers import url_refusal
from actions.services import (
    ACTION_SNOOZE_DAYS_MAX,
    BULK_IDS_MAX,
    SNOOZE_DAYS_DEFAULT,
    SNOOZE_DAYS_MAX,
    BulkOp,
)
from actions.timeline import TYPES
from actions.webhooks import SECRET_PREFIX, secret_key
from health.serializers import FlagSerializer, LatestHealthSerializer


class StepSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=STEP_TEXT_LIMIT)
    done = serializers.BooleanField(default=False)


class ActionSerializer(serializers.ModelSerializer):
    """An action on an account in the caller's book; `owner` is a username, `playbook` a code."""

    account = serializers.PrimaryKeyRelatedField(queryset=Account.objects.none())
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True),
        required=False, allow_null=True,
    )  # fmt: skip
    playbook = serializers.SlugRelatedField(
        slug_field="code", queryset=Playbook.objects.all(), required=False, allow_null=True
    )
    steps = StepSerializer(many=True, required=False, max_length=STEPS_LIMIT)

    class Meta:
        model = Action
        fields = [
            "id", "account", "title", "reason", "rule", "flag", "playbook", "steps", "owner",
            "due_on", "status", "created_at", "closed_at", "outcome_note", "resolution",
        ]  # fmt: skip
        read_only_fields = ["rule", "flag", "created_at", "closed_at", "resolution"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["account"].queryset = accounts_visible_to(request.user)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            self.fields["account"].read_only = True

    def validate_steps(self, steps):
        """Every step names its text, in a partial update too: DRF's partial reaches into the
        list and would let a step through without it."""
        if any("text" not in step for step in steps):
            raise serializers.ValidationError("Each step needs its text.")
        return steps

    def validate(self, attrs):
        status = attrs.get("status", getattr(self.instance, "status", ActionStatus.OPEN))
        note = attrs.get("outcome_note", getattr(self.instance, "outcome_note", ""))
        if status == ActionStatus.DISMISSED and not (note or "").strip():
            raise serializers.ValidationError({"outcome_note": "Say why you dismiss it."})
        return attrs


class BulkSerializer(serializers.Serializer):
    """Many open actions at once, all or nothing: `op` snooze (with `days`, 1-90: due that
    many days later, from today if overdue), reassign (to `owner`, a username who can see
    every account) or close (done, with `note`)."""

    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=BULK_IDS_MAX
    )
    op = serializers.ChoiceField(choices=BulkOp.choices)
    days = serializers.IntegerField(min_value=1, max_value=ACTION_SNOOZE_DAYS_MAX, required=False)
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True),
        required=False,
    )  # fmt: skip
    note = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)

    def validate(self, attrs):
        needs = {BulkOp.SNOOZE: "days", BulkOp.REASSIGN: "owner", BulkOp.CLOSE: "note"}
        field = needs[attrs["op"]]
        if not attrs.get(field):
            raise serializers.ValidationError({field: f"{attrs['op']} needs {field}."})
        return attrs


class BulkResultSerializer(serializers.Serializer):
    op = serializers.CharField()
    count = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField())


class SentimentSerializer(serializers.Serializer):
    """The CSM's read of the account, beside the score: {rating, reason, by, at, expires_on,
    stale}; POST takes rating, reason and valid_days (7-90, default 30)."""

    rating = serializers.ChoiceField(choices=Rating.choices)
    reason = serializers.CharField(max_length=TEXT_LIMIT)
    valid_days = serializers.IntegerField(min_value=7, max_value=90, default=30, write_only=True)
    by = serializers.CharField(read_only=True)
    at = serializers.DateTimeField(read_only=True)
    expires_on = serializers.DateField(read_only=True)
    stale = serializers.BooleanField(read_only=True)

    def validate_reason(self, reason):
        if not reason.strip():
            raise serializers.ValidationError("Say why.")
        return reason


class SentimentRecordSerializer(serializers.ModelSerializer):
    """One reading in the history."""

    by = serializers.CharField(source="created_by.username", read_only=True)
    at = serializers.DateTimeField(source="created_at", read_only=True)
    stale = serializers.SerializerMethodField()

    class Meta:
        model = Sentiment
        fields = ["rating", "reason", "by", "at", "valid_days", "expires_on", "stale"]

    def get_stale(self, sentiment) -> bool:
        return sentiment.is_stale()


class SnoozeSerializer(serializers.ModelSerializer):
    """A flag's snooze on an account: its alerts pause until `until` (also `ends_on`), the flag
    stays on the score. POST takes flag (one on the account's current score), reason and days
    (the re-raise period, 1-180, default 30)."""

    flag = serializers.CharField(max_length=40)
    reason = serializers.CharField(max_length=TEXT_LIMIT)
    days = serializers.IntegerField(
        min_value=1, max_value=SNOOZE_DAYS_MAX, default=SNOOZE_DAYS_DEFAULT, write_only=True
    )
    ends_on = serializers.DateField(source="until", read_only=True)
    by = serializers.CharField(source="snoozed_by.username", read_only=True)
    active = serializers.SerializerMethodField()

    class Meta:
        model = FlagSnooze
        fields = ["id", "flag", "reason", "days", "until", "ends_on", "by", "created_at", "active"]
        read_only_fields = ["until", "created_at"]

    def get_active(self, snooze) -> bool:
        return snooze.is_active()


class SnoozeNoteSerializer(serializers.Serializer):
    until = serializers.DateField()
    by = serializers.CharField()
    reason = serializers.CharField()


class FlagWithSnoozeSerializer(FlagSerializer):
    snoozed = SnoozeNoteSerializer(
        allow_null=True, help_text="Its alerts are snoozed (until, by, reason); it still counts."
    )


class HealthWithSentimentSerializer(LatestHealthSerializer):
    """The account health payload, with the CSM's sentiment beside the score (never in it) and
    each flag saying whether its alerts are snoozed (a snoozed flag still caps the colour)."""

    flags = FlagWithSnoozeSerializer(source="flags_with_snoozes", many=True, read_only=True)
    sentiment = SentimentSerializer(read_only=True, allow_null=True)
    sentiment_disagrees = serializers.BooleanField(read_only=True)

    class Meta(LatestHealthSerializer.Meta):
        fields = [*LatestHealthSerializer.Meta.fields, "sentiment", "sentiment_disagrees"]


class TimelineQuerySerializer(serializers.Serializer):
    type = serializers.ListField(child=serializers.ChoiceField(choices=TYPES), required=False)
    days = serializers.IntegerField(min_value=1, max_value=366, default=90)


class TimelineEventSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=TYPES)
    at = serializers.DateTimeField()
    title = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    by = serializers.CharField(allow_null=True)


class WebhookSerializer(serializers.ModelSerializer):
    """`secret` signs every delivery; it is shown once, in the reply that created it."""

    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), allow_empty=False, min_length=1
    )
    secret = serializers.CharField(
        max_length=200, min_length=16, required=False, write_only=True,
        help_text="Left out: Candor makes one and returns it once.",
    )  # fmt: skip

    class Meta:
        model = Webhook
        fields = ["id", "url", "kind", "events", "secret", "active", "created_at"]
        read_only_fields = ["created_at"]

    def validate_secret(self, secret):
        if secret.startswith(SECRET_PREFIX):
            try:
                secret_key(secret)
            except (binascii.Error, ValueError):
                raise serializers.ValidationError(
                    "A whsec_ secret is whsec_ followed by base64."
                ) from None
        return secret

    def validate_url(self, url):
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise serializers.ValidationError("Only http and https URLs.")
        refused = url_refusal(url)
        if refused:
            raise serializers.ValidationError(refused)
        return url

    def validate_events(self, events):
        return sorted(set(events))


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(read_only=True)


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "event", "status", "status_code", "attempts", "last_error", "created_at",
            "delivered_at",
        ]  # fmt: skip
