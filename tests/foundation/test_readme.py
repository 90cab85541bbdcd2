"""What the README tells a newcomer: the domain page in the repository, and how to pick a port."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
README = (ROOT / "README.md").read_text()


def test_the_readme_links_the_domain_page_kept_in_the_repository():
    assert "](docs/DOMAIN.md)" in README
    assert (ROOT / "docs" / "DOMAIN.md").is_file()


def test_the_readme_links_no_domain_page_outside_the_repository():
    outside = re.findall(r"\]\((https?://[^)]*)\)", README)
    assert not [url for url in outside if "domain" in url.lower()]


def test_the_readme_says_how_to_serve_on_another_port():
    assert "PORT=9000 make run" in README
    assert "the printed address follows them" in README
