"""Serializer fields that read a form or multipart body as they read JSON.

DRF reads an HTML form's empty value as "not given" (or null) and a nested dict only from
`name.key` fields, so `as_of=` or `targets={...}` sent as multipart slipped past validation
that the same JSON is refused by. The schema documents one set of rules for every media type;
these fields make the code keep it.
"""

import json

from rest_framework import serializers
from rest_framework.utils import html


class FormBlankRefused:
    """A field sent empty in a form is validated as the JSON "" is, not dropped."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and dictionary.get(self.field_name) == "":
            return ""
        return super().get_value(dictionary)


class StrictDateField(FormBlankRefused, serializers.DateField):
    pass


class StrictCharField(FormBlankRefused, serializers.CharField):
    pass


class FormJSONDictField(serializers.DictField):
    """A dict field that a form may also send whole, as JSON text in one field."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and self.field_name in dictionary:
            raw = dictionary.get(self.field_name)
            try:
                return json.loads(raw)
            except (TypeError, ValueError):
                return raw  # not a dict: refused by to_internal_value
        return super().get_value(dictionary)
