"""The roadmap page's forms: a new item, and a change of an item's status."""

from django import forms

from accounts.models import ProductStatus, RoadmapItem


class RoadmapItemForm(forms.ModelForm):
    class Meta:
        model = RoadmapItem
        fields = ["title", "product_status", "target_quarter"]


class StatusForm(forms.Form):
    product_status = forms.ChoiceField(label="Product status", choices=ProductStatus.choices)
