"""The VP's "Connect your data" page and the two computations it starts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.selectors import user_is_vp
from dashboard.connect import connect_steps
from health.backtest import BacktestWindow, churn_warnings_remembered
from health.calibration import CALIBRATION_DATES, calibration_propose_run
from health.scoring.calibration import FitError
from health.services import default_scorecard


def _vp_or_403(request):
    if not user_is_vp(request.user):
        raise PermissionDenied("Connecting a company's data is for VPs of Customer Success.")


@login_required
def connect(request):
    _vp_or_403(request)
    steps = connect_steps(timezone.now().date())
    return render(
        request,
        "dashboard/connect.html",
        {"steps": steps, "done": sum(step.done for step in steps)},
    )


@login_required
@require_POST
def connect_backtest(request):
    """Score every account on past dates as known then and read each of last year's churns."""
    _vp_or_403(request)
    churn_warnings_remembered(today=timezone.now().date())
    messages.success(request, "Backtest run on your history, from what was known on each date.")
    return redirect(f"{reverse('connect')}#step-backtest")


@login_required
@require_POST
def connect_calibrate(request):
    """Run `calibrate` on the default scorecard; its proposal waits for a VP's adoption."""
    _vp_or_403(request)
    window = BacktestWindow.default(timezone.now().date(), dates=CALIBRATION_DATES)
    try:
        report = calibration_propose_run(scorecard=default_scorecard(), window=window)
    except FitError as error:
        messages.error(request, str(error))
        return redirect(f"{reverse('connect')}#step-calibrate")
    if report["proposal"] is None:
        messages.success(request, "Calibrated: the fit agrees with the live weights.")
    else:
        messages.success(
            request,
            f"Proposal {report['proposal']['number']} recorded (held-out AUC "
            f"{report['current']['auc']} live, {report['proposed']['auc']} proposed). "
            "Adopt it on the portfolio page.",
        )
    return redirect(f"{reverse('connect')}#step-calibrate")
