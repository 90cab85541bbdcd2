"""The finance view: /forecast/."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from accounts.roles import user_sees_forecast
from accounts.selectors import accounts_visible_to
from forecast.services import forecast_page


@login_required
def forecast_page_view(request):
    if not user_sees_forecast(request.user):
        raise PermissionDenied("The forecast is for the people who hold books, and finance.")
    return render(
        request, "forecast/forecast.html", forecast_page(accounts=accounts_visible_to(request.user))
    )
