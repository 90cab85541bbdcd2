"""The account page and the writes made from it: decisions, notes, conflicting definitions.

A refused form is shown again with the status 400, its section in view (the form posts to its
section's #fragment) and the cursor on the first wrong field; after a write the page comes back
at that section, with the confirmation shown there rather than at the top of the page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import services
from accounts.selectors import account_get_for_user, account_get_for_writing, user_is_vp
from dashboard.acting import acting_page_data, timeline_with_audit
from dashboard.forms import (
    ConflictForm,
    DecisionEditForm,
    DecisionForm,
    NoteForm,
    focus_first_error,
)
from dashboard.selectors import account_page_data


def _page(request, account, **forms):
    for form in forms.values():
        if hasattr(form, "errors"):
            focus_first_error(form)
    context = account_page_data(account)
    context["decision_form"] = forms.get("decision_form") or DecisionForm(account=account)
    context["note_form"] = forms.get("note_form") or NoteForm()
    context["conflict_form"] = forms.get("conflict_form") or ConflictForm(account=account)
    context.update(
        acting_page_data(
            account, context["score"], request.GET.getlist("type"), forms, context["decisions"]
        )
    )
    if user_is_vp(request.user):
        context.update(timeline_with_audit(account, context, request.GET.getlist("type")))
    status = 400 if forms else 200
    return render(request, "dashboard/account_detail.html", context, status=status)


def _back_to(request, account, section: str, message: str):
    """Back to the account page at `section`, where the confirmation is shown."""
    messages.success(request, message, extra_tags=section)
    return redirect(f"{account.get_absolute_url()}#{section}")


@login_required
def account_detail(request, pk):
    return _page(request, account_get_for_user(request.user, pk))


@login_required
@require_POST
def decision_create(request, pk):
    account = account_get_for_writing(request.user, pk)
    form = DecisionForm(request.POST, account=account)
    if not form.is_valid():
        return _page(request, account, decision_form=form)
    services.decision_log(form=form)
    return _back_to(request, account, "decisions", "Decision logged.")


@login_required
def decision_edit(request, pk, decision_id):
    account = account_get_for_writing(request.user, pk)
    decision = get_object_or_404(account.decisions, pk=decision_id)
    form = DecisionEditForm(request.POST or None, instance=decision, account=account)
    if request.method == "POST" and form.is_valid():
        services.decision_update(form=form)
        return _back_to(request, account, "decisions", "Decision updated.")
    focus_first_error(form)
    return _edit_page(request, account, form, "Edit the decision", "decisions")


@login_required
@require_POST
def decision_reopen(request, pk, decision_id):
    account = account_get_for_writing(request.user, pk)
    decision = get_object_or_404(account.decisions, pk=decision_id)
    if not services.decision_reopen(decision=decision, on=timezone.localdate()):
        return _back_to(request, account, "decisions", "That decision was already reopened.")
    return _back_to(request, account, "decisions", "Decision marked reopened today.")


@login_required
@require_POST
def note_create(request, pk):
    account = account_get_for_writing(request.user, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _page(request, account, note_form=form)
    services.note_add(account=account, author=request.user, body=form.cleaned_data["body"])
    return _back_to(request, account, "notes", "Note added.")


@login_required
def note_edit(request, pk, note_id):
    """Only the note's author edits it: a note is someone's own account of a conversation."""
    account = account_get_for_writing(request.user, pk)
    note = get_object_or_404(account.notes, pk=note_id)
    if note.author_id != request.user.pk:
        raise PermissionDenied("Only the author of a note can edit it.")
    form = NoteForm(request.POST or None, instance=note)
    if request.method == "POST" and form.is_valid():
        services.note_edit(note=note, body=form.cleaned_data["body"])
        return _back_to(request, account, "notes", "Note updated.")
    focus_first_error(form)
    return _edit_page(request, account, form, "Edit your note", "notes")


def _edit_page(request, account, form, title: str, section: str):
    status = 400 if form.is_bound else 200
    context = {"account": account, "form": form, "title": title, "section": section}
    return render(request, "dashboard/edit.html", context, status=status)


@login_required
@require_POST
def conflicts_update(request, pk):
    account = account_get_for_writing(request.user, pk)
    form = ConflictForm(request.POST, account=account)
    if not form.is_valid():
        return _page(request, account, conflict_form=form)
    services.stakeholders_mark_conflicting(
        account=account, conflicting=form.cleaned_data["conflicting"]
    )
    return _back_to(request, account, "stakeholders", "Success definitions updated.")
