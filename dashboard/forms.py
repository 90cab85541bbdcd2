from django import forms
from django.utils import timezone

from accounts.models import Decision, Note


def focus_first_error(form) -> None:
    """A re-rendered form puts the cursor, and the browser's scroll, on its first wrong field."""
    for name in form.errors:
        if name in form.fields:
            form.fields[name].widget.attrs.update(autofocus=True, aria_invalid="true")
            return


class DateInput(forms.DateInput):
    """A date picker that offers no day after today."""

    input_type = "date"

    def get_context(self, name, value, attrs):
        attrs = {**(attrs or {}), "max": timezone.localdate().isoformat()}
        return super().get_context(name, value, attrs)


class DecisionForm(forms.ModelForm):
    class Meta:
        model = Decision
        fields = ["summary", "owner", "decided_on", "circulated_on"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 2}),
            "decided_on": DateInput(),
            "circulated_on": DateInput(),
        }

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.account = account
        self.fields["owner"].queryset = account.stakeholders.filter(active=True)
        self.fields["owner"].required = False


class DecisionEditForm(DecisionForm):
    """Editing a decision may also record when it was reopened."""

    class Meta(DecisionForm.Meta):
        fields = [*DecisionForm.Meta.fields, "reopened_on"]
        widgets = {**DecisionForm.Meta.widgets, "reopened_on": DateInput()}


class NoteForm(forms.ModelForm):
    class Meta:
        model = Note
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}
        labels = {"body": "Note"}


class ConflictForm(forms.Form):
    conflicting = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        label="Stakeholders whose definition of success conflicts",
    )  # fmt: skip

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["conflicting"].queryset = account.stakeholders.all()
        self.fields["conflicting"].initial = account.stakeholders.filter(
            success_definition_conflicts=True
        )
