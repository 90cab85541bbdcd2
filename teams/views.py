"""The team page: /team/ (a VP sees every team, a team lead theirs), and its CSV."""

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.roles import user_sees_teams
from candor.spreadsheet import SpreadsheetWriter
from teams.selectors import team_books

CSV_HEADER = [
    "team", "csm", "accounts", "arr", "arr_at_risk", "red", "amber", "green", "unknown",
    "average_score", "score_change_30_days", "open_actions", "overdue_actions",
]  # fmt: skip


@login_required
def team_page(request):
    if not user_sees_teams(request.user):
        raise PermissionDenied("The team page is for team leads and VPs of Customer Success.")
    rows = team_books(request.user)
    if request.GET.get("format") == "csv":
        return _csv(rows)
    return render(request, "teams/team.html", {"rows": rows})


def _csv(rows) -> HttpResponse:
    out = io.StringIO()
    writer = SpreadsheetWriter(out)
    writer.writerow(CSV_HEADER)
    writer.writerows(
        [r.team, r.csm, r.accounts, r.arr, r.arr_at_risk, r.red, r.amber, r.green, r.unknown,
         _round(r.score_now), _round(r.score_change), r.open_actions, r.overdue_actions]
        for r in rows
    )  # fmt: skip
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="candor-team-{stamp}.csv"'
    return response


def _round(value):
    return None if value is None else round(value, 1)
