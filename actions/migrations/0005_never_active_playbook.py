"""The playbook of the never_active flag: an account that has sent no signal since its grace
ended (issue 21). Inline data, as 0002's: a migration never imports application code."""

from django.db import migrations

CODE = "never_active"
TITLE = "Get the first data flowing from a silent account"
STEPS = [
    "Check that the account's product or CRM ids match what the integration sends.",
    "Ask the champion whether they have started using the product at all.",
    "Agree the first outcome milestone and the date its first signal should arrive.",
]


def add(apps, schema_editor):
    Playbook = apps.get_model("actions", "Playbook")
    Playbook.objects.get_or_create(code=CODE, defaults={"title": TITLE, "steps": STEPS})


def remove(apps, schema_editor):
    apps.get_model("actions", "Playbook").objects.filter(code=CODE).delete()


class Migration(migrations.Migration):
    dependencies = [("actions", "0004_alert_state_knows_unknown")]

    operations = [migrations.RunPython(add, remove)]
