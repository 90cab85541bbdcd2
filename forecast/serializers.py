from rest_framework import serializers

from forecast.models import Call, ForecastCall


class ForecastQuerySerializer(serializers.Serializer):
    quarters = serializers.IntegerField(min_value=1, max_value=8, default=4)


class ForecastCallSerializer(serializers.ModelSerializer):
    call = serializers.ChoiceField(choices=Call.choices)
    note = serializers.CharField(allow_blank=True, max_length=2000, required=False, default="")
    made_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ForecastCall
        fields = ["id", "call", "note", "renewal_date", "arr", "made_by", "made_at"]
        read_only_fields = ["id", "renewal_date", "arr", "made_by", "made_at"]
