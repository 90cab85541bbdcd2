"""The bench loaders' API client, answered in-process by Django's test client."""

from bench.load_public_churn import ApiError
from tests.api.conftest import client_for


class InProcessApi:
    """The loader's client, answered by Django's test client instead of a socket."""

    def __init__(self, user):
        self.client = client_for(user)

    def post(self, path, payload):
        return self._answer(self.client.post(f"/api/v1/{path}", payload, format="json"))

    def get(self, path):
        return self._answer(self.client.get(f"/api/v1/{path}"))

    def patch(self, path, payload):
        return self._answer(self.client.patch(f"/api/v1/{path}", payload, format="json"))

    def _answer(self, response):
        if response.status_code >= 400:
            raise ApiError(f"{response.status_code} {response.content[:300]}")
        return response.json()
