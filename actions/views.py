"""Pages of the actions app: /my-work/ (a person's open actions, and bulk changes to them)
and /playbooks/ (VPs edit the playbooks the rules copy into actions)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.selectors import user_is_vp
from actions import services
from actions.firings import rule_settings
from actions.forms import BulkForm, PlaybookForm, WorkFilterForm
from actions.models import Playbook, Rule
from actions.work import my_work_data, work_owners


def _work_page(request, bulk_form=None, status=200):
    filter_form = WorkFilterForm(request.GET)
    filters = filter_form.filters()
    data = my_work_data(request.user, filters, timezone.now().date())
    context = {
        **data,
        "filters": filters,
        "filter_form": filter_form,
        "bulk_form": bulk_form or BulkForm(),
        "owners": work_owners(request.user) if data["sees_others"] else [],
        "querystring": request.GET.urlencode(),
    }
    return render(request, "actions/my_work.html", context, status=status)


@login_required
def my_work(request):
    return _work_page(request)


@login_required
@require_POST
def my_work_bulk(request):
    """The page's bulk snooze / reassign / close: the API's service, all or nothing."""
    form = BulkForm(request.POST)
    if not form.is_valid():
        return _work_page(request, form, status=400)
    try:
        ids = services.actions_bulk(by=request.user, **form.cleaned_data)
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
        return _work_page(request, form, status=400)
    messages.success(request, f"{form.cleaned_data['op'].capitalize()}: {len(ids)} "
                     f"action{'s' if len(ids) != 1 else ''}.")  # fmt: skip
    query = request.GET.urlencode()
    return redirect(reverse("my_work") + (f"?{query}" if query else ""))


def _vp_only(request):
    if not user_is_vp(request.user):
        raise PermissionDenied("Playbooks are edited by VPs.")


@login_required
def playbooks(request):
    _vp_only(request)
    settings = rule_settings()
    rows = [
        (playbook, settings[services.playbook_rule(playbook.code)].due_in_days)
        for playbook in Playbook.objects.all()
    ]
    return render(request, "actions/playbooks.html", {"rows": rows})


@login_required
def playbook_edit(request, pk):
    _vp_only(request)
    playbook = get_object_or_404(Playbook, pk=pk)
    due = rule_settings()[services.playbook_rule(playbook.code)].due_in_days
    initial = {"steps_text": "\n".join(playbook.steps), "due_in_days": due}
    form = PlaybookForm(request.POST or None, instance=playbook, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.playbook_save(playbook=form.save(commit=False),
                               due_in_days=form.cleaned_data["due_in_days"])  # fmt: skip
        messages.success(request, f"Playbook saved: {playbook.title}. Actions raised from now "
                         "on use it.")  # fmt: skip
        return redirect("playbooks")
    status = 400 if form.errors else 200
    shared_due = services.playbook_rule(playbook.code) == Rule.FLAG_RAISED
    context = {"form": form, "playbook": playbook, "shared_due": shared_due}
    return render(request, "actions/playbook_edit.html", context, status=status)
