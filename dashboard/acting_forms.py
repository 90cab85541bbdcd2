"""Forms for acting on an account: closing an action, snoozing a flag, setting sentiment."""

from django import forms
from django.utils import timezone

from accounts.limits import TEXT_LIMIT
from actions.models import Rating
from actions.services import SNOOZE_DAYS_DEFAULT, SNOOZE_DAYS_MAX
from health.scoring.constants import COMPONENTS
from health.scoring.flags import FLAG_LABELS


class ActionCloseForm(forms.Form):
    status = forms.ChoiceField(choices=[("done", "Done"), ("dismissed", "Dismiss")])
    outcome_note = forms.CharField(
        label="What happened", required=False, max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("status") == "dismissed" and not data.get("outcome_note", "").strip():
            self.add_error("outcome_note", "Say why you dismiss it.")
        return data


class SnoozeForm(forms.Form):
    flag = forms.ChoiceField(choices=list(FLAG_LABELS.items()), widget=forms.HiddenInput)
    reason = forms.CharField(label="Because", max_length=TEXT_LIMIT,
                             widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    days = forms.IntegerField(
        label="Raise it again after (days)", min_value=1, max_value=SNOOZE_DAYS_MAX,
        initial=SNOOZE_DAYS_DEFAULT,
    )  # fmt: skip


class SentimentForm(forms.Form):
    rating = forms.ChoiceField(label="Your read", choices=Rating.choices)
    reason = forms.CharField(label="Why", max_length=TEXT_LIMIT,
                             widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    valid_days = forms.IntegerField(label="Valid for (days)", min_value=7, max_value=90,
                                    initial=30)  # fmt: skip


class OverrideForm(forms.Form):
    """A component override from the account page (issue 25); the API takes the same fields."""

    component = forms.ChoiceField(
        label="Component", choices=[(c, c.capitalize()) for c in COMPONENTS]
    )
    value = forms.FloatField(label="Value (0-100)", min_value=0, max_value=100)
    reason = forms.CharField(label="Why", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    until = forms.DateField(label="Until", widget=forms.DateInput(attrs={"type": "date"}))

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until < timezone.now().date():
            raise forms.ValidationError("An override cannot end before today.")
        return until
