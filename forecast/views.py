"""The finance view: /forecast/."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.selectors import accounts_visible_to
from forecast.selectors import forecast_page_data


@login_required
def forecast_page(request):
    quarters = 4
    return render(
        request,
        "forecast/forecast.html",
        forecast_page_data(accounts_visible_to(request.user), quarters),
    )
