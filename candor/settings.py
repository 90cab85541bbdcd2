"""Candor's one settings module: everything comes from the environment, with safe local defaults.

PostgreSQL is the only database. With no `DATABASE_URL`, Candor starts (or reuses) a private
PostgreSQL server from a pip wheel, with its data in `.pgdata/` (see `candor.embedded_db`), and
Celery runs eagerly in-process, so `make run` needs no services. DEBUG is off unless the
environment turns it on. `make run` sets CANDOR_LOCAL=1, the local profile: DEBUG stays off (a
newcomer sees the pages production shows, styled 404 and 403 included) but a throwaway key,
local hosts, plain http and static files straight from the source tree are allowed. Production
sets SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL, and HTTPS behaviour
(SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS, ...).
"""

import os
import sys
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django_guid.integrations import CeleryIntegration

from candor.email_url import email_settings
from candor.observability import logging_config, sentry_init

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: str = "False") -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", "False")
# A developer's machine, with or without DEBUG: the defaults below that production must not have.
LOCAL = DEBUG or env_bool("CANDOR_LOCAL")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not LOCAL:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (CANDOR_LOCAL=1 on a developer's machine)."
        )
    SECRET_KEY = "django-insecure-candor-local-development-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver" if LOCAL else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_api_key",  # its models module defines its own APIKey; ours is integrations'
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_guid",
    "accounts",
    "signals",
    "sources",
    "health",
    "actions",
    "integrations",
    "pgtrigger",
    "pghistory",
    "audit",
    "mozilla_django_oidc",
    "sso",
    "forecast",
    "teams",
    "roadmap",
    "lenses",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    # A request id first, so every later log line and error answer carries it; the probes
    # before the host check and the HTTPS redirect (candor/probes.py).
    "django_guid.middleware.guid_middleware",
    "candor.probes.ProbeMiddleware",
    "candor.exceptions.ApiErrorsAsJsonMiddleware",
    "candor.security.refuse_trace",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "candor.headers.PrivateNoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The audit trail's context (who, which request) for the writes a request makes.
    "audit.middleware.AuditContextMiddleware",
    # Last, as django-axes asks: it answers a locked-out login with the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Login throttling (django-axes): failed sign-ins are counted per username and address together
# in the database (so it works with Redis down); past the limit that pair is locked out for the
# cool-off, and the sign-in page says so. A correct password resets the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = float(os.environ.get("LOGIN_LOCKOUT_MINUTES", 15)) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind a TLS proxy (BEHIND_PROXY=1) the address is the one the proxy appended to
# X-Forwarded-For, not the proxy's own.
AXES_CLIENT_IP_CALLABLE = "candor.security.client_address" if env_bool("BEHIND_PROXY") else None

ROOT_URLCONF = "candor.urls"
WSGI_APPLICATION = "candor.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "candor.context_processors.roles",
                "actions.context_processors.open_actions",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database.")
else:
    from candor import embedded_db

    DATABASES = {"default": embedded_db.database_settings()}
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", 60))
# A connection the server dropped is noticed before a request uses it, not as a 500.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# JIT compilation costs ~0.2 s per large query and never paid back on scoring's aggregates;
# the default 4 MB work_mem makes a 100,000-group aggregate spill to disk.
_work_mem = os.environ.get("DATABASE_WORK_MEM", "64MB")
DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c jit=off -c work_mem={_work_mem}"
# runserver serves each client connection on a thread of its own with its own database
# connection: a few loaders at once exhausted PostgreSQL's connections and clients saw 503s.
# There (or wherever DATABASE_POOL_MAX_SIZE is set) a psycopg pool shares a few connections
# among the threads; a request waits up to DATABASE_POOL_TIMEOUT seconds for one.
_pool_size = int(
    os.environ.get("DATABASE_POOL_MAX_SIZE", 20 if "runserver" in sys.argv[1:2] else 0)
)
if _pool_size:
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections, not each thread
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": 1, "max_size": _pool_size,
        "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", 30)),
    }  # fmt: skip

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if LOCAL
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Locally WhiteNoise serves static files from the apps and static/ as they are (no collectstatic,
# edits show on reload), which with DEBUG off runserver would not do.
WHITENOISE_USE_FINDERS = LOCAL
WHITENOISE_AUTOREFRESH = LOCAL

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"

# Single sign-on with OpenID Connect when OIDC_ISSUER is set (sso/): endpoints and keys come from
# the issuer's discovery document; OIDC_ROLE_GROUPS maps the provider's groups to roles
# ("vp=cs-leaders,csm=cs-team"). PASSWORD_LOGIN=0 turns password sign-in off.
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").rstrip("/")
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_GROUPS_CLAIM = os.environ.get("OIDC_GROUPS_CLAIM", "groups")
OIDC_ROLE_GROUPS = os.environ.get("OIDC_ROLE_GROUPS", "")
OIDC_RP_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile groups")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATE_CLASS = "sso.views.AuthenticateView"
LOGIN_REDIRECT_URL_FAILURE = "/oidc/refused/"
PASSWORD_LOGIN = env_bool("PASSWORD_LOGIN", "True")
if OIDC_ISSUER:
    if not (OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET):
        raise ImproperlyConfigured("OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET.")
    AUTHENTICATION_BACKENDS.append("sso.backends.CandorOIDCBackend")
if not PASSWORD_LOGIN:
    if not OIDC_ISSUER:
        raise ImproperlyConfigured("PASSWORD_LOGIN=0 needs single sign-on (OIDC_ISSUER).")
    AUTHENTICATION_BACKENDS.remove("django.contrib.auth.backends.ModelBackend")
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", str(not LOCAL))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# HTTPS, from the environment: on by default outside a developer's machine, so `check --deploy`
# is clean; set SECURE_SSL_REDIRECT=0 / SECURE_HSTS_SECONDS=0 only to try the image over http.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", str(not LOCAL))
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 0 if LOCAL else 31536000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", str(not LOCAL))
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", str(not LOCAL))  # asks, never submits
if env_bool("BEHIND_PROXY"):
    # The proxy terminates TLS and says so; without this the redirect would loop.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Signal batches of 10,000 rows are a few MB of JSON.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024))

# CSV imports: a file over any of these is refused before it is parsed (accounts/import_limits.py).
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", 32 * 1024 * 1024))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", 200_000))
IMPORT_MAX_COLUMNS = int(os.environ.get("IMPORT_MAX_COLUMNS", 200))
IMPORT_MAX_LINE_BYTES = int(os.environ.get("IMPORT_MAX_LINE_BYTES", 256 * 1024))

REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    # Fails open: with Redis down a read is a miss and a write is skipped (logged), so the API
    # throttle and cached figures never turn an outage into 500s; short timeouts keep it quick.
    CACHES = {
        "default": {
            "BACKEND": "candor.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: a real broker when REDIS_URL is set, otherwise tasks run eagerly in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_STORE_EAGER_RESULT = True
CELERY_RESULT_EXTENDED = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", 300))
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", 270))
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker rides out a broker outage: it retries forever (not 100 times, then exits) and drops
# tasks it was running when the connection went, since late acks hand them to another worker.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# A message a worker took but never acknowledged (it was killed) goes back to the queue after
# the visibility timeout: just longer than a task may run, so a live task is never handed out
# twice, and minutes, not the hour Redis' default would leave a run unfinished.
CELERY_VISIBILITY_TIMEOUT = int(
    os.environ.get("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 60)
)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # How often a worker looks for such messages: a few times per timeout, at most every 30 s
    # (kombu's default looks every 100 s).
    "unacked_restore_interval": max(1, min(30, CELERY_VISIBILITY_TIMEOUT // 4)),
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
    "socket_keepalive": True,
    "retry_on_timeout": True,
    "health_check_interval": 25,
}
# The result store retries a lost connection 20 times a second apart by default: a request that
# queues a task would hang 20 s on a Redis outage before it could answer 503.
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
    "retry_policy": {
        "max_retries": 2,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    },
}
CELERY_REDIS_BACKEND_HEALTH_CHECK_INTERVAL = 25
CELERY_RESULT_EXPIRES = 86400
# A request that queues a task fails fast (and answers 503) instead of hanging on a dead broker.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5,
}  # fmt: skip
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "score-portfolio-nightly": {
        "task": "health.tasks.score_portfolio",
        "schedule": crontab(
            hour=os.environ.get("NIGHTLY_SCORE_HOUR", "2"),
            minute=os.environ.get("NIGHTLY_SCORE_MINUTE", "0"),
        ),
    },
    "rescore-accounts-with-newer-signals": {
        "task": "health.tasks.rescore_stale_accounts",
        "schedule": float(os.environ.get("RESCORE_SWEEP_SECONDS", 300)),
    },
    # Shards of a run whose worker died: re-queued within a lease and a sweep (about a minute).
    "requeue-lapsed-scoring-shards": {
        "task": "health.tasks.scoring_shards_requeue",
        "schedule": float(os.environ.get("SHARD_SWEEP_SECONDS", 30)),
    },
    # The finance view's figures, recomputed by a worker once the data they came from changed.
    "refresh-forecast-figures": {
        "task": "forecast.tasks.forecast_figures_sweep",
        "schedule": float(os.environ.get("FORECAST_REFRESH_SECONDS", 120)),
    },
    "resend-unqueued-webhook-deliveries": {
        "task": "actions.tasks.webhook_deliveries_resend",
        "schedule": float(os.environ.get("WEBHOOK_RESEND_SWEEP_SECONDS", 300)),
    },
    # Pending Segment messages whose drain was lost with its process.
    "drain-pending-source-messages": {
        "task": "sources.tasks.raw_drains_sweep",
        "schedule": float(os.environ.get("RAW_DRAIN_SWEEP_SECONDS", 60)),
    },
    "drop-raw-messages-past-retention": {
        "task": "sources.tasks.raw_messages_prune",
        "schedule": crontab(hour=os.environ.get("RAW_PRUNE_HOUR", "3"), minute="30"),
    },
    "send-digests-every-morning": {
        "task": "actions.tasks.send_digests",
        "schedule": crontab(
            hour=os.environ.get("DIGEST_HOUR", "7"), minute=os.environ.get("DIGEST_MINUTE", "0")
        ),
    },
}

# Email (digests) from one URL: console:// prints them (the default), smtp+tls://… sends them.
globals().update(email_settings(os.environ.get("EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Candor <candor@localhost>")
# Segment-spec sources keep every message raw this long (whole months are dropped past it).
SOURCES_RAW_RETENTION_DAYS = int(os.environ.get("SOURCES_RAW_RETENTION_DAYS", 400))
# Where a request's kept messages become signals: `drainer` (the `drain_sources` process, as
# docker-compose.yml runs it), `celery` (a task), `background` (a thread of the web process,
# after the answer), `inline` (in the request, before the answer).
SOURCES_DRAIN = os.environ.get("SOURCES_DRAIN", "celery" if REDIS_URL else "background")
# Where the rescore of accounts that received data runs: `celery` (a debounced task),
# `background` (a thread of the web process, after the answer), `inline` (in the request).
HEALTH_RESCORE = os.environ.get("HEALTH_RESCORE", "celery" if REDIS_URL else "background")
# Links in emails point here.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "integrations.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.permissions.RoleWrites",  # finance, product and sales read
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "candor.pagination.StrictPageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_PARSER_CLASSES": [
        "candor.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_RATES": {"user": os.environ.get("API_THROTTLE_RATE", "6000/min")},
    "EXCEPTION_HANDLER": "candor.exceptions.api_exception_handler",
    # An empty ?format= is refused as an unknown one is, not read as no format.
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "candor.negotiation.StrictFormatNegotiation",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Candor API",
    "DESCRIPTION": "Push signals and account data; pull outcome-based health scores.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "SignalCategoryEnum": "signals.models.SignalCategory",
        "MilestoneKindEnum": "accounts.models.MilestoneKind",
        # A score's RAG and a CSM's sentiment rating are the same three colours.
        "RagEnum": "health.models.Rag",
        "WebhookKindEnum": "actions.models.WebhookKind",
    },
    "SECURITY": [{"tokenAuth": []}],
    # Request bodies are documented as JSON, the API's language. Forms and multipart are read too
    # (DRF's test client and browsable pages send them) under the same rules (candor.fields).
    "PARSER_WHITELIST": ["candor.parsers.JSONParser"],
    # The schema and its docs page are for signed-in people and API tokens, like everything else.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI served from our own static files, as plotly.js is: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "candor.exceptions.document_error_responses",
        "candor.schema.text_without_nul",
    ],
}

# Webhooks post only to public hosts (never loopback, private, link-local, multicast, reserved
# or unspecified addresses): on for a receiver inside Candor's own network.
WEBHOOK_ALLOW_PRIVATE_HOSTS = env_bool("WEBHOOK_ALLOW_PRIVATE_HOSTS", "False")

CANDOR = {
    # How long scoring waits after an ingest before rescoring the touched accounts.
    "RESCORE_DEBOUNCE_SECONDS": int(os.environ.get("RESCORE_DEBOUNCE_SECONDS", 30)),
    "SCORING_SHARD_SIZE": int(os.environ.get("SCORING_SHARD_SIZE", 20000)),
    # Rules raise actions after every scoring run (ACTION_RULES=0 turns them all off).
    "ACTION_RULES": env_bool("ACTION_RULES", "True"),
    # Webhook deliveries: per-attempt timeout, attempts in all, first retry delay (doubling).
    "WEBHOOK_TIMEOUT_SECONDS": float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", 5)),
    "WEBHOOK_MAX_ATTEMPTS": int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", 5)),
    "WEBHOOK_BACKOFF_SECONDS": int(os.environ.get("WEBHOOK_BACKOFF_SECONDS", 30)),
    # A worker scoring a shard holds a lease on it, renewed every third of this while it works;
    # a lease that lapsed means the worker died, and the shard sweep re-queues the shard.
    "SHARD_LEASE_SECONDS": int(os.environ.get("SHARD_LEASE_SECONDS", 30)),
    # The shard sweep also re-queues a shard no worker claimed this long after it was queued (its
    # message went with a dead worker or a lost broker); a surplus copy loses the claim.
    "SHARD_REQUEUE_SECONDS": int(os.environ.get("SHARD_REQUEUE_SECONDS", 60)),
    # Without a broker, the web processes' drain threads settle received messages together on
    # the clock's multiples of this: larger, fewer chunks cost less per message, and a message
    # waits at most this long (its rescore waits RESCORE_DEBOUNCE_SECONDS anyway).
    "DRAIN_GATHER_SECONDS": float(os.environ.get("DRAIN_GATHER_SECONDS", 0.25)),
}

# The audit trail's triggers (django-pghistory on django-pgtrigger) are installed after each
# `migrate`, not written into the migrations of the apps they watch (Django's auth among them).
PGTRIGGER_MIGRATIONS = False
PGTRIGGER_INSTALL_ON_MIGRATE = True
# Only requests that may write carry the audit context (pghistory prefixes their SQL with it).
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# One line per record, with its request id; LOG_FORMAT=json makes each line a JSON object.
LOGGING = logging_config(os.environ.get("LOG_FORMAT", "text"), os.environ.get("LOG_LEVEL", "INFO"))

# Request ids: an incoming X-Request-ID is kept (a proxy's or a caller's), else one is made;
# the answer carries it, and so do Celery tasks queued by the request.
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": False,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": True,
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True, log_parent=True)],
}

# Error reporting (Django and Celery) when SENTRY_DSN is set.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    sentry_init(
        SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", 0)),
    )

# Content-Security-Policy (django-csp): scripts only from Candor itself or inline with the
# request's nonce; styles may be inline, as plotly.js injects its own; no plugins, no framing,
# forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# An expected 403 or 404 is one line in the console, not a traceback (candor.logs).
LOGGING.setdefault("filters", {})["expected_client_errors"] = {
    "()": "candor.logs.ExpectedClientErrors"
}
LOGGING["loggers"].setdefault("django.request", {}).setdefault("filters", []).append(
    "expected_client_errors"
)
