"""Page numbers as the schema says: an integer, or left out."""

from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination


class StrictPageNumberPagination(PageNumberPagination):
    """DRF reads an empty `?page=` as the first page; it is refused as any page that is not a
    number is (404 "Invalid page")."""

    def get_page_number(self, request, paginator):
        if request.query_params.get(self.page_query_param) == "":
            raise NotFound("Invalid page: name a page number, or leave `page` out.")
        return super().get_page_number(request, paginator)
