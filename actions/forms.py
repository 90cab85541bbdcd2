"""Forms of the actions app's pages: /my-work/'s filters and bulk changes, and the playbook
editor. The bulk form posts to the same service as the API (services.actions_bulk)."""

from django import forms
from django.contrib.auth import get_user_model

from accounts.limits import STEP_TEXT_LIMIT, STEPS_LIMIT, TEXT_LIMIT
from actions.models import Playbook, Rule
from actions.selectors import Due
from actions.services import ACTION_SNOOZE_DAYS_MAX, BulkOp
from health.scoring.flags import FLAG_LABELS

COLOURS = [("red", "Red"), ("amber", "Amber"), ("green", "Green"), ("unknown", "Unknown")]


class WorkFilterForm(forms.Form):
    rule = forms.ChoiceField(required=False, choices=[("", "Any"), *Rule.choices])
    colour = forms.ChoiceField(required=False, choices=[("", "Any"), *COLOURS])
    csm = forms.CharField(required=False, max_length=150)
    due = forms.ChoiceField(required=False, choices=[("", "Any"), *Due.choices])

    def filters(self) -> dict:
        """What was asked that makes sense; anything else is ignored (an empty filter)."""
        return self.cleaned_data if self.is_valid() else {}


class BulkForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), error_messages={
        "required": "Tick the actions to change first."})  # fmt: skip
    op = forms.ChoiceField(label="Do", choices=BulkOp.choices)
    days = forms.IntegerField(label="Days", required=False, min_value=1,
                              max_value=ACTION_SNOOZE_DAYS_MAX)  # fmt: skip
    owner = forms.CharField(label="To (username)", required=False, max_length=150)
    note = forms.CharField(label="Note", required=False, max_length=TEXT_LIMIT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Which ids are allowed is the service's to say (all or nothing, with its reasons).
        self.fields["ids"].valid_value = lambda value: str(value).isdigit()

    def clean_owner(self):
        name = self.cleaned_data["owner"].strip()
        if not name:
            return None
        owner = get_user_model().objects.filter(username=name, is_active=True).first()
        if owner is None:
            raise forms.ValidationError(f"No active user named {name}.")
        return owner


def _code_choices() -> list[tuple[str, str]]:
    rules = [(rule.value, f"Rule: {rule.label}") for rule in Rule if rule != Rule.MANUAL
             and rule != Rule.FLAG_RAISED]  # fmt: skip
    flags = [(code, f"Flag: {label}") for code, label in FLAG_LABELS.items()]
    return rules + flags


class PlaybookForm(forms.ModelForm):
    """A playbook's title, steps (one a line), the rule or flag it answers, whether it raises
    actions, and how many days its actions get (the rule's RuleSetting.due_in_days)."""

    code = forms.ChoiceField(label="Answers", choices=_code_choices)
    steps_text = forms.CharField(
        label="Steps (one a line)", widget=forms.Textarea(attrs={"rows": 8}),
        max_length=STEPS_LIMIT * (STEP_TEXT_LIMIT + 1),
        error_messages={"required": "Give at least one step."},
    )  # fmt: skip
    due_in_days = forms.IntegerField(label="Due after (days)", min_value=1, max_value=365)

    class Meta:
        model = Playbook
        fields = ["title", "code", "active"]

    def clean_steps_text(self):
        """The same limits as Playbook.clean, said against this field."""
        steps = [line.strip() for line in self.cleaned_data["steps_text"].splitlines()]
        steps = [step for step in steps if step]
        if not steps:
            raise forms.ValidationError("Give at least one step.")
        if len(steps) > STEPS_LIMIT:
            raise forms.ValidationError(f"At most {STEPS_LIMIT} steps.")
        if any(len(step) > STEP_TEXT_LIMIT for step in steps):
            raise forms.ValidationError(f"At most {STEP_TEXT_LIMIT} characters a step.")
        return steps

    def clean(self):
        data = super().clean()
        self.instance.steps = data.get("steps_text", self.instance.steps)
        return data
