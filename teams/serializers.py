from django.contrib.auth import get_user_model
from rest_framework import serializers

from accounts.models import Team
from accounts.roles import Role, user_role

LEAD_ROLES = (Role.TEAM_LEAD, Role.VP)


class UsernameField(serializers.SlugRelatedField):
    """A person by username, with a 400 that names who was not found."""

    default_error_messages = {"does_not_exist": "No user '{value}'."}

    def __init__(self, **kwargs):
        super().__init__(slug_field="username", queryset=get_user_model().objects.all(), **kwargs)


class TeamSerializer(serializers.ModelSerializer):
    lead = UsernameField(help_text="The team lead's username (a team_lead or a VP).")
    members = UsernameField(many=True, required=False, help_text="The CSMs' usernames.")

    class Meta:
        model = Team
        fields = ["id", "name", "lead", "members"]

    def to_representation(self, team):
        """Members by username: the same answer every time."""
        data = super().to_representation(team)
        data["members"] = sorted(data["members"])
        return data

    def validate_lead(self, lead):
        if user_role(lead) not in LEAD_ROLES:
            raise serializers.ValidationError(f"{lead.username} is not a team lead (or a VP).")
        return lead

    def validate_members(self, members):
        strangers = sorted(m.username for m in members if user_role(m) != Role.CSM)
        if strangers:
            raise serializers.ValidationError(f"Not CSMs: {', '.join(strangers)}.")
        return members
