"""A signal's account is checked once per statement, not once per row; its received index is BRIN.

Signals arrive in bulk (a file's chunk of 25,000, a drain's 5,000): the foreign key checked each
row's account at commit, a lookup and a lock per row, 3.7 ms of the database's CPU per 1,000
signals of `import_events` (more than any index). A statement trigger now locks the distinct
accounts of the statement's rows (FOR KEY SHARE, as the key's check does) and refuses the
statement with the key's own error (23503) when one is missing; deleting accounts deletes their
signals (as the key's cascade would, Django deleting them first), so a signal committed while
its account was being deleted never outlives it.

`signal_received` serves only the stale-score sweep (`received_at` of the last two days): signals
are appended in the order received, so a BRIN index (a summary per 128 pages, nothing per row)
finds them; the sweep summarises the new pages first (`brin_summarize_new_values`).
"""

from django.contrib.postgres.indexes import BrinIndex
from django.db import migrations, models
from django.db.models.deletion import CASCADE

CHECK_SQL = """
CREATE FUNCTION signals_account_exists() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wanted bigint;
    found bigint;
BEGIN
    SELECT count(*), count(a.id) INTO wanted, found
    FROM (SELECT account_id FROM new_rows GROUP BY 1) AS named
    LEFT JOIN LATERAL (
        SELECT id FROM accounts_account WHERE id = named.account_id FOR KEY SHARE
    ) AS a ON true;
    IF found < wanted THEN
        RAISE EXCEPTION 'insert or update on table "signals_signal" violates foreign key constraint "signals_signal_account_exists"'
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = 'A signal names an account that does not exist.';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER signals_account_exists_insert AFTER INSERT ON signals_signal
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION signals_account_exists();
CREATE TRIGGER signals_account_exists_update AFTER UPDATE ON signals_signal
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION signals_account_exists();
CREATE FUNCTION accounts_signals_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM signals_signal s USING old_rows o WHERE s.account_id = o.id;
    RETURN NULL;
END $$;
CREATE TRIGGER accounts_signals_delete AFTER DELETE ON accounts_account
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION accounts_signals_delete();
"""

UNCHECK_SQL = """
DROP TRIGGER accounts_signals_delete ON accounts_account;
DROP FUNCTION accounts_signals_delete();
DROP TRIGGER signals_account_exists_update ON signals_signal;
DROP TRIGGER signals_account_exists_insert ON signals_signal;
DROP FUNCTION signals_account_exists();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0013_milestone_is_kickoff"),
        ("signals", "0016_kind_day_account_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="signal",
            name="account",
            field=models.ForeignKey(
                db_constraint=False, db_index=False, on_delete=CASCADE,
                related_name="signals", to="accounts.account",
            ),  # fmt: skip
        ),
        migrations.RunSQL(CHECK_SQL, UNCHECK_SQL),
        migrations.RemoveIndex(model_name="signal", name="signal_received"),
        migrations.AddIndex(
            model_name="signal",
            index=BrinIndex(fields=["received_at"], name="signal_received", autosummarize=True),
        ),
    ]
