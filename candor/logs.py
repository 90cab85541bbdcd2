"""Logging filters for the console."""

import logging

EXPECTED_STATUSES = {403, 404}


class ExpectedClientErrors(logging.Filter):
    """An expected 403 or 404 stays one line ("Forbidden (Permission denied): /path") without
    the traceback Django attaches to it: under `make run` the console then shows what a
    newcomer needs, and a real error's traceback still stands out."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) in EXPECTED_STATUSES:
            record.exc_info, record.exc_text = None, None
        return True
