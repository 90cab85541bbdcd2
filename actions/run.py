"""The run's accounts, as every rule's statement joins them (`candor_run r`).

A run of up to SMALL_RUN accounts (a rescore of a few changed ones) passes its ids to each
statement as one array; a larger one (a portfolio shard) loads them once into a temporary
table. For 100 accounts the table (five statements, and catalog rows written and deleted on
every rescore) cost more than the rules' own reads.
"""

SMALL_RUN = 1_000
RUN_TABLE = "candor_run r"
RUN_ARRAY = "unnest(%(ids)s::bigint[]) AS r(account_id)"


def small_run(account_ids) -> bool:
    return len(account_ids) <= SMALL_RUN


def run_accounts_load(cursor, account_ids) -> None:
    """A large run's accounts in a temporary table, sent once (COPY) and joined by every rule."""
    cursor.execute("DROP TABLE IF EXISTS candor_run")
    cursor.execute("CREATE TEMP TABLE candor_run (account_id bigint) ON COMMIT DROP")
    with cursor.cursor.copy("COPY candor_run (account_id) FROM STDIN") as copy:
        copy.write("\n".join(map(str, account_ids)) + "\n")
    cursor.execute("ANALYZE candor_run")


def run_sql(sql: str, account_ids) -> str:
    """A rule's statement joined to the run's accounts: the table, or a small run's array."""
    return sql.replace(RUN_TABLE, RUN_ARRAY) if small_run(account_ids) else sql


def run_bounds(account_ids) -> dict:
    """The run's id range (with the run's join, an index range scan of it), and a small run's
    ids (`run_sql`)."""
    bounds = {"lo": min(account_ids), "hi": max(account_ids)}
    if small_run(account_ids):
        bounds["ids"] = [int(pk) for pk in account_ids]
    return bounds
