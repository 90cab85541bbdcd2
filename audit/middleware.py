"""Each write a request makes is audited with who made it and the request's id."""

from django_guid import get_guid
from pghistory.middleware import HistoryMiddleware


class AuditContextMiddleware(HistoryMiddleware):
    def get_context(self, request):
        return {**super().get_context(request), "request_id": get_guid()}
