

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('actions', '0005_never_active_playbook'),
    ]

    operations = [
        migrations.AddField(
            model_name='alertstate',
            name='first_known_on',
            field=models.DateField(blank=True, help_text='The day the rules first saw it red, amber or green: a score drop compares only with scores from then on, never with history a backfill or a load wrote before. Null: known before this was recorded, or not known yet (unknown).', null=True),
        ),
    ]
