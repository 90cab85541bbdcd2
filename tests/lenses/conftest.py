from tests.lenses.builders import deals, fiona, pat, sam, terms, tina, tom  # noqa: F401
