"""GET /api/v1/audit/: the company's audit trail, for VPs, read-only (other methods: 405)."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import BasePermission

from accounts.selectors import user_is_vp
from audit.selectors import audit_events, audit_rows
from audit.serializers import AuditFilterSerializer, AuditRowSerializer


class IsVP(BasePermission):
    message = "The audit trail is for VPs."

    def has_permission(self, request, view):
        return user_is_vp(request.user)


class AuditList(generics.ListAPIView):
    """Who changed what, when, from which request: newest first, filtered by `object_type`,
    `object_id` and `actor` (a username)."""

    serializer_class = AuditRowSerializer
    filter_backends = []

    def get_permissions(self):
        return [*super().get_permissions(), IsVP()]

    @extend_schema(parameters=[AuditFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = AuditFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return audit_events(**query.validated_data)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(audit_rows(page), many=True).data)
