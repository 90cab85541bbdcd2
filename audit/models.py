"""The audit trail: who changed what, when, from which request.

Database triggers (django-pghistory) write an event row for every insert, update and delete of
the tables below, whoever writes them: the ORM, `bulk_update`, raw SQL, COPY-based imports, the
admin. Each event snapshots the tracked fields (secrets and hashes are never among them), and
carries the request's context (the signed-in user and the request id) when a request made the
change; a command's change has none. Event tables are append-only: triggers refuse updates and
deletes of them.
"""

import pghistory
from django.contrib.auth import get_user_model

from accounts.models import Account
from actions.models import FlagSnooze, Playbook, RuleSetting, Sentiment, Webhook
from health.models import Scorecard, ScorecardVersion
from integrations.models import ApiKey

User = get_user_model()


def writes() -> tuple:
    """Fresh trackers for each model (a tracker is bound to the model it tracks)."""
    return (pghistory.InsertEvent("create"), pghistory.UpdateEvent("update"),
            pghistory.DeleteEvent("delete"))  # fmt: skip


def _track(model, name: str, *, fields=None, exclude=None, trackers=None):
    trackers = trackers or writes()
    return pghistory.create_event_model(
        model, *trackers, fields=fields, exclude=exclude, model_name=name, app_label="audit",
        obj_field=pghistory.ObjForeignKey(related_name="audit_events"), append_only=True,
        abstract=False,
    )  # fmt: skip


# Only an account's owner and terms: the rest of an account changes with every import.
ACCOUNT_FIELDS = ["external_id", "name", "csm", "arr", "seats", "contract_start", "renewal_date",
                  "last_renewed_on", "crm_status", "deal_terms", "deviating_terms", "outcome"]  # fmt: skip

AccountEvent = _track(Account, "AccountEvent", fields=ACCOUNT_FIELDS)
ScorecardEvent = _track(Scorecard, "ScorecardEvent", exclude=["updated_at"])
ScorecardVersionEvent = _track(ScorecardVersion, "ScorecardVersionEvent")
PlaybookEvent = _track(Playbook, "PlaybookEvent")
RuleSettingEvent = _track(RuleSetting, "RuleSettingEvent")
WebhookEvent = _track(Webhook, "WebhookEvent", exclude=["secret"])
SentimentEvent = _track(Sentiment, "SentimentEvent")
FlagSnoozeEvent = _track(FlagSnooze, "FlagSnoozeEvent")
ApiKeyEvent = _track(ApiKey, "ApiKeyEvent", exclude=["hashed_key", "last_used_at"])
UserEvent = _track(User, "UserEvent",
                   fields=["username", "email", "is_active", "is_staff", "is_superuser"])  # fmt: skip
# Roles are group memberships: a row added is a role given, a row deleted a role taken away.
RoleEvent = _track(
    User.groups.through,
    "RoleEvent",
    trackers=(pghistory.InsertEvent("create"), pghistory.DeleteEvent("delete")),
)
