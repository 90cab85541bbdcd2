import django.db.models.deletion
from django.db import migrations, models

# The SQL as this migration installed it (later changes come in their own migrations). Like
# 0007's ARR history: new rows by one statement trigger over the transition table, changes by
# row triggers whose WHEN clause PostgreSQL checks without calling them. A row written with its
# history behind it is opened with the two inferences the model's docstring gives: before its
# last renewal it was due to renew that day, and before its churn its CRM status is unknown.
OPENED_SQL = r"""
    INSERT INTO accounts_termschange
            (account_id, valid_from, renewal_date, last_renewed_on, crm_status, seats)
        SELECT id, contract_start,
               CASE WHEN last_renewed_on > contract_start THEN last_renewed_on
                    ELSE renewal_date END,
               CASE WHEN last_renewed_on > contract_start THEN NULL ELSE last_renewed_on END,
               CASE WHEN outcome = 'churned' THEN '' ELSE crm_status END,
               seats
        FROM {rows}
    ON CONFLICT (account_id, valid_from) DO UPDATE SET
        renewal_date = EXCLUDED.renewal_date, last_renewed_on = EXCLUDED.last_renewed_on,
        crm_status = EXCLUDED.crm_status, seats = EXCLUDED.seats;
    INSERT INTO accounts_termschange
            (account_id, valid_from, renewal_date, last_renewed_on, crm_status, seats)
        SELECT id, last_renewed_on, renewal_date, last_renewed_on,
               CASE WHEN outcome = 'churned' THEN '' ELSE crm_status END, seats
        FROM {rows} WHERE last_renewed_on > contract_start
    ON CONFLICT (account_id, valid_from) DO UPDATE SET
        renewal_date = EXCLUDED.renewal_date, last_renewed_on = EXCLUDED.last_renewed_on,
        crm_status = EXCLUDED.crm_status, seats = EXCLUDED.seats;
    INSERT INTO accounts_termschange
            (account_id, valid_from, renewal_date, last_renewed_on, crm_status, seats)
        SELECT id, outcome_on, renewal_date, last_renewed_on, crm_status, seats
        FROM {rows}
        WHERE outcome = 'churned' AND outcome_on > contract_start AND crm_status <> ''
    ON CONFLICT (account_id, valid_from) DO UPDATE SET crm_status = EXCLUDED.crm_status;
"""

TRIGGERS_SQL = (
    OPENED_SQL.format(rows="accounts_account")
    + r"""
CREATE OR REPLACE FUNCTION accounts_terms_opened() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
"""
    + OPENED_SQL.format(rows="new_rows")
    + r"""
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION accounts_terms_start_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accounts_termschange SET valid_from = NEW.contract_start
        WHERE account_id = NEW.id AND valid_from = OLD.contract_start;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION accounts_terms_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO accounts_termschange
            (account_id, valid_from, renewal_date, last_renewed_on, crm_status, seats)
        VALUES (NEW.id, greatest((now() AT TIME ZONE 'UTC')::date, NEW.contract_start),
                NEW.renewal_date, NEW.last_renewed_on, NEW.crm_status, NEW.seats)
    ON CONFLICT (account_id, valid_from) DO UPDATE SET
        renewal_date = EXCLUDED.renewal_date, last_renewed_on = EXCLUDED.last_renewed_on,
        crm_status = EXCLUDED.crm_status, seats = EXCLUDED.seats;
    RETURN NULL;
END $$;

CREATE TRIGGER accounts_terms_opened AFTER INSERT ON accounts_account
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION accounts_terms_opened();
CREATE TRIGGER accounts_terms_1_start_moved AFTER UPDATE OF contract_start ON accounts_account
    FOR EACH ROW WHEN (NEW.contract_start < OLD.contract_start)
    EXECUTE FUNCTION accounts_terms_start_moved();
CREATE TRIGGER accounts_terms_2_changed
    AFTER UPDATE OF renewal_date, last_renewed_on, crm_status, seats ON accounts_account
    FOR EACH ROW WHEN (
        (NEW.renewal_date, NEW.last_renewed_on, NEW.crm_status, NEW.seats)
        IS DISTINCT FROM (OLD.renewal_date, OLD.last_renewed_on, OLD.crm_status, OLD.seats)
    ) EXECUTE FUNCTION accounts_terms_changed();
"""
)

DROP_SQL = r"""
DROP TRIGGER IF EXISTS accounts_terms_2_changed ON accounts_account;
DROP TRIGGER IF EXISTS accounts_terms_1_start_moved ON accounts_account;
DROP TRIGGER IF EXISTS accounts_terms_opened ON accounts_account;
DROP FUNCTION IF EXISTS accounts_terms_changed();
DROP FUNCTION IF EXISTS accounts_terms_start_moved();
DROP FUNCTION IF EXISTS accounts_terms_opened();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_arr_history"),
    ]

    operations = [
        migrations.CreateModel(
            name="TermsChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("valid_from", models.DateField()),
                ("renewal_date", models.DateField()),
                ("last_renewed_on", models.DateField(blank=True, null=True)),
                ("crm_status", models.CharField(blank=True, max_length=40, verbose_name="CRM status")),
                ("seats", models.PositiveIntegerField()),
                ("account", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="terms_changes", to="accounts.account")),
            ],
            options={
                "ordering": ["account", "valid_from"],
                "constraints": [models.UniqueConstraint(fields=("account", "valid_from"), name="termschange_one_per_account_and_day")],
            },
        ),
        migrations.RunSQL(TRIGGERS_SQL, DROP_SQL),
    ]
