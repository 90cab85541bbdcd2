from django import forms

from audit.selectors import OBJECT_TYPES


class AuditFilterForm(forms.Form):
    object_type = forms.ChoiceField(
        choices=[("", "Everything"), *[(t, t) for t in OBJECT_TYPES]], required=False,
        label="What",
    )  # fmt: skip
    object_id = forms.CharField(required=False, max_length=100, label="Id")
    actor = forms.CharField(required=False, max_length=150, label="Who (username)")
