"""Acting on an account from its page: tick a step, close an action with a note, snooze a
flag's alerts, set the CSM's sentiment. Each POST changes one thing and returns to the page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.selectors import account_get_for_writing
from actions import services
from actions.models import Action, ActionStatus
from dashboard.account_views import _page
from dashboard.acting_forms import ActionCloseForm, SentimentForm, SnoozeForm


def _open_action(account, action_id) -> Action:
    action = account.actions.filter(pk=action_id, status=ActionStatus.OPEN).first()
    if action is None:
        raise Http404("No such open action on this account.")
    return action


def _back(account, anchor: str):
    return redirect(f"{account.get_absolute_url()}#{anchor}")


@login_required
@require_POST
def action_step(request, pk, action_id, index):
    """Tick (or untick) one step. Bookkeeping only: the score does not move."""
    account = account_get_for_writing(request.user, pk)
    action = _open_action(account, action_id)
    try:
        services.action_step_set(action=action, index=index, done=request.POST.get("done") == "1")
    except ValidationError as error:
        raise Http404(error.messages[0]) from error
    return _back(account, f"action-{action.pk}")


@login_required
@require_POST
def action_close(request, pk, action_id):
    account = account_get_for_writing(request.user, pk)
    action = _open_action(account, action_id)
    form = ActionCloseForm(request.POST)
    if not form.is_valid():
        return _page(request, account, close_form=form, close_form_for=action.pk)
    try:
        services.action_close(action=action, status=form.cleaned_data["status"],
                              note=form.cleaned_data["outcome_note"], by=request.user)  # fmt: skip
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
        return _page(request, account, close_form=form, close_form_for=action.pk)
    verb = "done" if form.cleaned_data["status"] == "done" else "dismissed"
    messages.success(request, f"Action {verb}: {action.title}.")
    return _back(account, "actions")


@login_required
@require_POST
def flag_snooze(request, pk):
    account = account_get_for_writing(request.user, pk)
    form = SnoozeForm(request.POST)
    if not form.is_valid():
        return _page(request, account, snooze_form=form)
    data = form.cleaned_data
    try:
        snooze = services.flag_snooze(account=account, flag=data["flag"], reason=data["reason"],
                                      days=data["days"], by=request.user)  # fmt: skip
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _page(request, account, snooze_form=form)
    messages.success(request, f"Alerts snoozed until {snooze.until:%-d %b %Y}; the flag still "
                     "counts in the score.")  # fmt: skip
    return _back(account, f"flag-{snooze.flag}")


@login_required
@require_POST
def sentiment_set(request, pk):
    account = account_get_for_writing(request.user, pk)
    form = SentimentForm(request.POST)
    if not form.is_valid():
        return _page(request, account, sentiment_form=form)
    services.sentiment_record(account=account, by=request.user, **form.cleaned_data)
    messages.success(request, "Sentiment recorded. It sits beside the score, not in it.")
    return _back(account, "sentiment")
