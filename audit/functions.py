"""Two helper functions the audit triggers call for every row, without subtransactions.

django-pghistory's `_pgh_attach_context()` and django-pgtrigger's `_pgtrigger_should_ignore()`
read a session setting inside an EXCEPTION block: one subtransaction per audited row. Past 64
in one transaction PostgreSQL's subtransaction cache overflows and every row gets slower: a
20,000-account import took 15 s instead of 3, its re-import 74 s (`bench_audit`).
`current_setting(name, true)` answers NULL for a missing setting without raising, so the same
functions need no EXCEPTION block. They are installed after every `migrate`, after the
libraries install theirs."""

from django.db import connections

ATTACH_CONTEXT = """
CREATE OR REPLACE FUNCTION _pgh_attach_context() RETURNS UUID AS $$
    DECLARE
        _pgh_context_id UUID := NULLIF(current_setting('pghistory.context_id', true), '');
        _pgh_context_metadata JSONB :=
            NULLIF(current_setting('pghistory.context_metadata', true), '');
    BEGIN
        IF _pgh_context_id IS NOT NULL AND _pgh_context_metadata IS NOT NULL THEN
            INSERT INTO pghistory_context (id, metadata, created_at, updated_at)
                VALUES (_pgh_context_id, _pgh_context_metadata, NOW(), NOW())
                ON CONFLICT (id) DO UPDATE
                    SET metadata = EXCLUDED.metadata, updated_at = EXCLUDED.updated_at
                    WHERE pghistory_context.metadata != EXCLUDED.metadata;
            RETURN _pgh_context_id;
        END IF;
        RETURN NULL;
    END;
$$ LANGUAGE plpgsql;
"""

SHOULD_IGNORE = """
CREATE OR REPLACE FUNCTION _pgtrigger_should_ignore(trigger_name NAME) RETURNS BOOLEAN AS $$
    DECLARE
        _pgtrigger_ignore TEXT[] := NULLIF(current_setting('pgtrigger.ignore', true), '');
    BEGIN
        RETURN COALESCE(trigger_name = ANY(_pgtrigger_ignore), FALSE);
    END;
$$ LANGUAGE plpgsql;
"""


def functions_install(using="default", **kwargs) -> None:
    with connections[using].cursor() as cursor:
        cursor.execute(ATTACH_CONTEXT)
        cursor.execute(SHOULD_IGNORE)
