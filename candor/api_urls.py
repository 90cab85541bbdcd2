"""REST API v1 routes (filled by the API work)."""

urlpatterns = []
