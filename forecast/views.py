"""The finance view: /forecast/."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from accounts.roles import user_sees_forecast
from accounts.selectors import accounts_visible_to
from forecast.selectors import forecast_page_data


@login_required
def forecast_page(request):
    if not user_sees_forecast(request.user):
        raise PermissionDenied("The forecast is for the people who hold books, and finance.")
    quarters = 4
    return render(
        request,
        "forecast/forecast.html",
        forecast_page_data(accounts_visible_to(request.user), quarters),
    )
