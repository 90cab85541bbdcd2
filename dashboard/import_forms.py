"""The import page's forms: the upload (checked against the upload limits before anything
parses it) and the column mapping of a previewed file."""

from django import forms
from django.forms.utils import ErrorDict

from accounts.import_limits import UploadLimits, check_shape, read_bounded, too_large_message
from accounts.imports import SPECS, ImportRefused, mapping_problems
from accounts.models import DateOrder, ImportKind

IGNORED = ""
REMEMBER_CHOICES = [
    ("", "Only this file"),
    ("me", "For me, for the next file with these columns"),
    ("everyone", "For everyone, for the next file with these columns"),
]


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(choices=ImportKind.choices, label="What the file holds")
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8, with a header row; a HubSpot or Salesforce export as it is.",
    )

    def __init__(self, *args, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.limits, self.too_large = UploadLimits.from_settings(), too_large

    def full_clean(self):
        """A file refused for its size (stopped while it arrived) is the one thing said."""
        super().full_clean()
        if self.too_large:
            self._errors = ErrorDict(file=self.error_class([too_large_message(self.limits)]))
            self.cleaned_data = {}

    def clean_file(self) -> str:
        """The file's text, or why it cannot be read; kept as text for the preview and run."""
        upload = self.cleaned_data["file"]
        try:
            data = read_bounded(upload, self.limits)
            check_shape(data, self.limits)
        except ImportRefused as refused:
            raise forms.ValidationError(refused.errors[0]["message"]) from refused
        try:
            content = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError(
                "The file is not UTF-8 text; save it from the spreadsheet as CSV UTF-8."
            ) from error
        if not content.strip():
            raise forms.ValidationError("The file is empty.")
        self.filename = upload.name
        return content


class ImportMappingForm(forms.Form):
    """One choice per column of the file: the Candor field it fills, or ignored."""

    date_order = forms.ChoiceField(choices=DateOrder.choices, label="Dates such as 3/4/2026")
    remember = forms.ChoiceField(
        choices=REMEMBER_CHOICES, required=False, widget=forms.RadioSelect,
        label="Remember this mapping",
    )  # fmt: skip

    def __init__(self, *args, kind: str, mapping: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec, self.headers = SPECS[kind], list(mapping)
        choices = [(IGNORED, "— ignored —")] + [
            (c.field, f"{c.field} (needed for a new row)" if c.required else c.field)
            for c in self.spec.columns
        ]
        for index, header in enumerate(self.headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                choices=choices, required=False, label=header, initial=mapping[header] or IGNORED
            )
        self.order_fields([f"column_{i}" for i in range(len(self.headers))])

    def column_fields(self):
        return [self[f"column_{index}"] for index in range(len(self.headers))]

    def clean(self):
        cleaned = super().clean()
        self.mapping = {
            header: cleaned.get(f"column_{index}") or None
            for index, header in enumerate(self.headers)
        }
        for problem in mapping_problems(self.spec, self.mapping):
            self.add_error(None, problem)
        return cleaned
