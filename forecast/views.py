"""The finance view: /forecast/."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.selectors import accounts_visible_to
from forecast.services import forecast_page


@login_required
def forecast_page_view(request):
    return render(
        request, "forecast/forecast.html", forecast_page(accounts=accounts_visible_to(request.user))
    )
