

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0003_delivery_queued_at"),
    ]

    operations = [
        migrations.AlterField(
            model_name="alertstate",
            name="rag",
            field=models.CharField(max_length=7),
        ),
    ]
