"""The API's one rule for writes by role: the roles that only read are refused every unsafe
method (403), wherever the endpoint lives. A view lets one of them write by naming it in
`also_written_by` (the account executive's handoff context, everyone's own API keys)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.roles import user_role, user_writes


class RoleWrites(BasePermission):
    message = "Your role reads; it does not change anything here."

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS or user_writes(request.user):
            return True
        return user_role(request.user) in getattr(view, "also_written_by", ())
