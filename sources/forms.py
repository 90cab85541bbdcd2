from django import forms
from django.contrib.auth import get_user_model

from sources.models import Source


class SourceForm(forms.ModelForm):
    default_csm = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        required=False, to_field_name="username", label="Default CSM",
        help_text="Owns new accounts whose CSM the group call does not name (you, if empty).",
    )  # fmt: skip

    class Meta:
        model = Source
        fields = ["name", "default_csm"]
        help_texts = {"name": "Where the events come from, e.g. “Product (Segment)”."}
