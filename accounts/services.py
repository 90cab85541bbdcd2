"""Writes about accounts and the people who own them."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts import imports
from accounts.hooks import account_changed
from accounts.import_writes import import_write
from accounts.models import (
    Account,
    CsvImport,
    DateOrder,
    ImportMapping,
    ImportStatus,
    Stakeholder,
    StakeholderRole,
    deviating_terms,
)
from accounts.roles import Role, forget_role
from accounts.selectors import import_mapping_remembered, import_progress_key

User = get_user_model()


@transaction.atomic
def user_create_with_role(*, username: str, role: str, password: str | None = None, **fields):
    """Create (or fetch) a user and put them in exactly one role's group (accounts.roles)."""
    if role not in Role.values:
        raise ValueError(f"Unknown role '{role}': use one of {', '.join(Role.values)}.")
    user, created = User.objects.get_or_create(username=username, defaults=fields)
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    user_set_role(user=user, role=role)
    return user


def user_set_role(*, user, role: str) -> None:
    if role not in Role.values:
        raise ValueError(f"Unknown role '{role}': use one of {', '.join(Role.values)}.")
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in Role.values}
    user.groups.remove(*groups.values())
    user.groups.add(groups[role])
    forget_role(user)


def account_rescore_on_commit(*, account_ids) -> None:
    """Tell whoever scores accounts (health) once the write has committed."""
    ids = sorted(set(account_ids))
    transaction.on_commit(lambda: account_changed.send(sender=Account, account_ids=ids))


def _rescore_on_commit(account) -> None:
    account_rescore_on_commit(account_ids=[account.pk])


@transaction.atomic
def decision_log(*, form) -> None:
    """Record a decision from a validated DecisionForm; alignment changes, so rescore."""
    decision = form.save()
    _rescore_on_commit(decision.account)


@transaction.atomic
def decision_update(*, form) -> None:
    """Save an edited decision from a validated DecisionForm; alignment may move, so rescore."""
    decision = form.save()
    _rescore_on_commit(decision.account)


@transaction.atomic
def decision_reopen(*, decision, on) -> bool:
    """Record that a decision was reopened on `on`; a decision already reopened keeps its
    first reopening (the one that says whether it held for a week). Returns whether it changed."""
    if decision.reopened_on is not None:
        return False
    decision.reopened_on = max(on, decision.decided_on)
    decision.save(update_fields=["reopened_on"])
    _rescore_on_commit(decision.account)
    return True


@transaction.atomic
def note_add(*, account, author, body: str):
    note = account.notes.create(author=author, body=body)
    return note


@transaction.atomic
def note_edit(*, note, body: str):
    note.body = body
    note.edited_at = timezone.now()
    note.save(update_fields=["body", "edited_at"])
    return note


@transaction.atomic
def stakeholders_mark_conflicting(*, account, conflicting) -> None:
    """Mark exactly these stakeholders' success definitions as conflicting with the others."""
    chosen = {stakeholder.pk for stakeholder in conflicting}
    account.stakeholders.update(success_definition_conflicts=False)
    account.stakeholders.filter(pk__in=chosen).update(success_definition_conflicts=True)
    _rescore_on_commit(account)


RESCORE_BATCH = 10_000


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


@transaction.atomic
def csv_rows_import(
    *, kind: str, content: str, progress=_no_progress, mapping=None, date_order="auto"
) -> dict:
    """Check and write a CSV file of accounts, stakeholders or outcomes, all or nothing
    (ImportRefused with every row/column problem, and nothing written, when any cell or row is
    wrong). `mapping` ({header: field or None}) overrides the automatic one where it names a
    header. The accounts it touched are rescored once it has committed, in batches."""
    progress("checking", 0, 0)
    typed, columns, cell_errors = imports.parse(kind, content, mapping, date_order)
    progress("writing", 0, len(typed))
    result = import_write(imports.SPECS[kind], typed, columns, progress, cell_errors)
    touched = result.pop("account_ids")
    transaction.on_commit(lambda: _rescore_in_batches(touched))
    return result


def _rescore_in_batches(account_ids: list[int]) -> None:
    for first in range(0, len(account_ids), RESCORE_BATCH):
        account_changed.send(sender=Account, account_ids=account_ids[first : first + RESCORE_BATCH])


def csv_import_create(*, kind: str, filename: str, content: str, user) -> CsvImport:
    """Keep an uploaded file for its preview and its run (a worker reads it from here), read
    with the mapping remembered for its headers, if any. Only its header is parsed here."""
    if kind not in imports.SPECS:
        raise ValueError(f"Unknown import '{kind}': use {', '.join(imports.SPECS)}.")
    headers = list(imports.read_table(content, nrows=0).columns)
    remembered = import_mapping_remembered(
        kind=kind, headers_key=imports.headers_key(headers), user=user
    )
    return CsvImport.objects.create(
        kind=kind, filename=filename[:255], content=content, created_by=user,
        rows=imports.count_rows(content), mapping=remembered.mapping if remembered else {},
        date_order=remembered.date_order if remembered else DateOrder.AUTOMATIC,
    )  # fmt: skip


@transaction.atomic
def csv_import_map(
    *, csv_import: CsvImport, user, mapping: dict, date_order: str, remember: str = ""
) -> None:
    """Choose how a previewed file's columns are read ({header: field or None}) and how its
    slashed dates are; kept for the next file of the same headers when `remember` is "me" or
    "everyone". ImportRefused, and nothing kept, when the mapping cannot be used."""
    spec = imports.SPECS[csv_import.kind]
    problems = imports.mapping_problems(spec, mapping)
    if problems:
        raise imports.ImportRefused([imports.row_error(1, None, p) for p in problems])
    csv_import.mapping, csv_import.date_order = mapping, date_order
    csv_import.save(update_fields=["mapping", "date_order"])
    if remember in ("me", "everyone"):
        ImportMapping.objects.update_or_create(
            kind=csv_import.kind, headers_key=imports.headers_key(list(mapping)),
            user=user if remember == "me" else None,
            defaults={"headers": list(mapping), "mapping": mapping, "date_order": date_order},
        )  # fmt: skip


def csv_import_queue(*, csv_import: CsvImport) -> bool:
    """Previewed -> queued, once: a second click on "Import" queues nothing."""
    claimed = CsvImport.objects.filter(pk=csv_import.pk, status=ImportStatus.PREVIEWED).update(
        status=ImportStatus.QUEUED
    )
    return bool(claimed)


def csv_import_run(*, import_id: int) -> str:
    """Run a queued import (a conditional claim: a redelivered task runs nothing twice),
    report progress through the cache, and record the outcome on the row."""
    claimed = CsvImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING
    )
    if not claimed:
        return "not queued"
    csv_import = CsvImport.objects.get(pk=import_id)
    report = import_progress_reporter(import_id)
    try:
        result = csv_rows_import(
            kind=csv_import.kind, content=csv_import.content, progress=report,
            mapping=csv_import.mapping, date_order=csv_import.date_order,
        )  # fmt: skip
    except imports.ImportRefused as refused:
        _finish(csv_import, ImportStatus.FAILED, errors=refused.errors, count=refused.total)
        return "refused"
    except Exception as error:
        message = f"The import stopped: {error}. Nothing was imported."
        _finish(csv_import, ImportStatus.FAILED, errors=[imports.row_error(None, None, message)])
        raise
    _finish(csv_import, ImportStatus.DONE, created=result["created"], updated=result["updated"])
    return "done"


def _finish(csv_import, status, *, errors=(), count=None, created=0, updated=0) -> None:
    csv_import.status, csv_import.finished_at = status, timezone.now()
    csv_import.errors, csv_import.error_count = list(errors), count or len(errors)
    csv_import.created, csv_import.updated = created, updated
    csv_import.save(
        update_fields=["status", "finished_at", "errors", "error_count", "created", "updated"]
    )


def import_progress_reporter(import_id: int):
    """A progress callback that leaves {phase, done, total} where the page polls for it."""

    def report(phase: str, done: int, total: int) -> None:
        cache.set(import_progress_key(import_id), {"phase": phase, "done": done, "total": total},
                  timeout=24 * 3600)  # fmt: skip

    return report


@transaction.atomic
def accounts_upsert(*, rows: list[dict]) -> dict[str, int]:
    """Create or update accounts by `external_id` from fields a feed already checked (a Segment
    source's group calls): a row sets only the fields it names, and a new row names every
    required one. Returns {external_id: id}; the touched accounts are rescored once committed.
    Rows are locked in id order, so concurrent feeds never deadlock on them."""
    by_key = {row["external_id"]: row for row in rows}
    stored = {
        account.external_id: account
        for account in Account.objects.select_for_update()
        .filter(external_id__in=by_key)
        .order_by("pk")
    }
    new = [Account(**row) for key, row in by_key.items() if key not in stored]
    for account in new:
        account.deviating_terms = deviating_terms(account.deal_terms)
    Account.objects.bulk_create(new, ignore_conflicts=True)
    changed = set()
    for key, account in stored.items():
        for name, value in by_key[key].items():
            setattr(account, name, value)
            changed.add(name)
    if stored and changed - {"external_id"}:
        Account.objects.bulk_update(list(stored.values()), sorted(changed - {"external_id"}))
    ids = dict(Account.objects.filter(external_id__in=by_key).values_list("external_id", "pk"))
    account_rescore_on_commit(account_ids=ids.values())
    return ids


@transaction.atomic
def stakeholders_upsert(*, rows: list[dict]) -> list[int]:
    """Create or update stakeholders by `external_id` (a product's user id) from checked
    fields; a new one is a `user` until someone says otherwise. Returns their ids."""
    by_key = {row["external_id"]: row for row in rows}
    stored = {
        person.external_id: person
        for person in Stakeholder.objects.select_for_update()
        .filter(external_id__in=by_key)
        .order_by("pk")
    }
    new = [
        Stakeholder(**{"role": StakeholderRole.USER, "name": key, **row})
        for key, row in by_key.items()
        if key not in stored
    ]
    Stakeholder.objects.bulk_create(new, ignore_conflicts=True)
    changed = set()
    for key, person in stored.items():
        for name, value in by_key[key].items():
            setattr(person, name, value)
            changed.add(name)
    if stored and changed - {"external_id"}:
        Stakeholder.objects.bulk_update(list(stored.values()), sorted(changed - {"external_id"}))
    people = Stakeholder.objects.filter(external_id__in=by_key)
    account_rescore_on_commit(account_ids=people.values_list("account_id", flat=True))
    return list(people.values_list("pk", flat=True))
