"""Django's email settings from one URL, as DATABASE_URL gives the database's.

console://                      print messages (the default in development)
locmem://                       keep them in django.core.mail.outbox (tests)
dummy://                        drop them
file:///var/mail/candor         one file per message in that directory
smtp://user:pass@host:25        plain SMTP
smtp+tls://user:pass@host:587   STARTTLS;  smtp+ssl://…:465 for implicit TLS
"""

from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+tls": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+ssl": "django.core.mail.backends.smtp.EmailBackend",
}


def email_settings(url: str) -> dict:
    """The EMAIL_* settings an email URL names."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in BACKENDS:
        raise ImproperlyConfigured(
            f"EMAIL_URL scheme '{scheme}' is not one of {', '.join(sorted(BACKENDS))}."
        )
    config = {"EMAIL_BACKEND": BACKENDS[scheme]}
    if scheme == "file":
        config["EMAIL_FILE_PATH"] = unquote(parts.path)
    if scheme.startswith("smtp"):
        config.update(
            EMAIL_HOST=parts.hostname or "localhost",
            EMAIL_PORT=parts.port or {"smtp": 25, "smtp+tls": 587, "smtp+ssl": 465}[scheme],
            EMAIL_HOST_USER=unquote(parts.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
            EMAIL_USE_TLS=scheme == "smtp+tls",
            EMAIL_USE_SSL=scheme == "smtp+ssl",
        )
    return config
