"""The one text limit, kept in the lowest app so every app (models, serializers, forms, the
admin, the CSV import) caps free text with the same number."""

from django.core.validators import MaxLengthValidator
from django.db import models

TEXT_LIMIT = 10_000  # characters in any free-text field (handoff notes, reasons, notes, summaries)
STEPS_LIMIT = 30  # steps in a playbook or an action
STEP_TEXT_LIMIT = 500  # characters in one step


class FreeTextField(models.TextField):
    """Free text capped at TEXT_LIMIT wherever it is written: `max_length` caps page forms, the
    admin and DRF's model serializers; the validator caps `full_clean()` in services. (A plain
    TextField has no length of its own, so a 5 MB note would be stored.)"""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", TEXT_LIMIT)
        super().__init__(*args, **kwargs)
        self.validators.append(MaxLengthValidator(self.max_length))
