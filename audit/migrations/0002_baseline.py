"""A baseline snapshot of every tracked row that exists when the audit trail starts, so the
first change to it shows its old values too. Listed nowhere (label `baseline`)."""

from django.db import migrations

SOURCES = {
    "AccountEvent": "accounts_account", "ScorecardEvent": "health_scorecard",
    "ScorecardVersionEvent": "health_scorecardversion", "PlaybookEvent": "actions_playbook",
    "RuleSettingEvent": "actions_rulesetting", "WebhookEvent": "actions_webhook",
    "SentimentEvent": "actions_sentiment", "FlagSnoozeEvent": "actions_flagsnooze",
    "ApiKeyEvent": "integrations_apikey", "UserEvent": "auth_user", "RoleEvent": "auth_user_groups",
}  # fmt: skip


def baseline(apps, schema_editor):
    for name, source in SOURCES.items():
        event = apps.get_model("audit", name)
        columns = [f.column for f in event._meta.concrete_fields if not f.name.startswith("pgh_")]
        listed = ", ".join(f'"{c}"' for c in columns)
        schema_editor.execute(
            f'INSERT INTO "{event._meta.db_table}" (pgh_created_at, pgh_label, pgh_obj_id, {listed}) '
            f"SELECT now(), 'baseline', id, {listed} FROM \"{source}\""
        )


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(baseline, migrations.RunPython.noop)]
