from django import forms

from accounts.models import Decision, Note


class DecisionForm(forms.ModelForm):
    class Meta:
        model = Decision
        fields = ["summary", "owner", "decided_on", "circulated_on"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 2}),
            "decided_on": forms.DateInput(attrs={"type": "date"}),
            "circulated_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.account = account
        self.fields["owner"].queryset = account.stakeholders.filter(active=True)
        self.fields["owner"].required = False


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
