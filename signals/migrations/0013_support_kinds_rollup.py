"""Support signals join the per-kind daily rollup: `signals_signalkindday` now also counts the
kinds of category 'support' (support tickets, help-centre visits a company registers), so the
Support component reads a window's count from the rollup instead of scanning signals. The
trigger functions are 0012's with that one category added; the reverse is 0012's own.
"""

import importlib

from django.db import migrations

PREVIOUS = importlib.import_module("signals.migrations.0012_survey_answers_rollup")
PREVIOUS_TRIGGERS_SQL, NUMBER = PREVIOUS.TRIGGERS_SQL, PREVIOUS.NUMBER
BEFORE, AFTER = "category IN ('value', 'survey')", "category IN ('value', 'survey', 'support')"
assert PREVIOUS_TRIGGERS_SQL.count(BEFORE) == 2
TRIGGERS_SQL = PREVIOUS_TRIGGERS_SQL.replace(BEFORE, AFTER)

# The support rows for the signals already there, counted as the triggers count them.
FILL_SQL = rf"""
INSERT INTO signals_signalkindday (account_id, kind, day, events, answers, answer_sum)
    SELECT account_id, kind, (occurred_at AT TIME ZONE 'UTC')::date, count(*),
        count({NUMBER}), coalesce(sum({NUMBER}), 0)
    FROM signals_signal
    WHERE kind IN (SELECT code FROM signals_signalkinddef WHERE category = 'support')
    GROUP BY 1, 2, 3;
"""

UNFILL_SQL = r"""
DELETE FROM signals_signalkindday
    WHERE kind IN (SELECT code FROM signals_signalkinddef WHERE category = 'support');
"""


class Migration(migrations.Migration):
    dependencies = [("signals", "0012_survey_answers_rollup")]

    operations = [migrations.RunSQL(TRIGGERS_SQL + FILL_SQL, UNFILL_SQL + PREVIOUS_TRIGGERS_SQL)]
