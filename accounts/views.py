from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import ConflictForm, DecisionForm, NoteForm
from accounts.selectors import account_get_for_user, account_page_data


def _page(request, account, **forms):
    context = account_page_data(account)
    context["decision_form"] = forms.get("decision_form") or DecisionForm(account=account)
    context["note_form"] = forms.get("note_form") or NoteForm()
    context["conflict_form"] = forms.get("conflict_form") or ConflictForm(account=account)
    status = 400 if forms else 200
    return render(request, "accounts/account_detail.html", context, status=status)


@login_required
def account_detail(request, pk):
    return _page(request, account_get_for_user(request.user, pk))


@login_required
@require_POST
def decision_create(request, pk):
    account = account_get_for_user(request.user, pk)
    form = DecisionForm(request.POST, account=account)
    if not form.is_valid():
        return _page(request, account, decision_form=form)
    services.decision_log(form=form)
    messages.success(request, "Decision logged.")
    return redirect(f"{account.get_absolute_url()}#decisions")


@login_required
@require_POST
def note_create(request, pk):
    account = account_get_for_user(request.user, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _page(request, account, note_form=form)
    services.note_add(account=account, author=request.user, body=form.cleaned_data["body"])
    messages.success(request, "Note added.")
    return redirect(f"{account.get_absolute_url()}#notes")


@login_required
@require_POST
def conflicts_update(request, pk):
    account = account_get_for_user(request.user, pk)
    form = ConflictForm(request.POST, account=account)
    if not form.is_valid():
        return _page(request, account, conflict_form=form)
    services.stakeholders_mark_conflicting(
        account=account, conflicting=form.cleaned_data["conflicting"]
    )
    messages.success(request, "Success definitions updated.")
    return redirect(f"{account.get_absolute_url()}#stakeholders")
