"""One settings module, read from the environment (docs/configuration.md)."""

import os
import socket
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from kombu import Queue

from retail import error_codes

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# The development key works for manage.py and tests; the web entry points (wsgi/asgi) refuse it
# when DEBUG is false, and `check --deploy` flags it (the "django-insecure-" prefix).
DEV_SECRET_KEY = "django-insecure-development-key-for-local-runs-only-0123456789abcdef"
SECRET_KEY = env("SECRET_KEY", default=DEV_SECRET_KEY)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "retail.apps.RetailAdminConfig",  # django.contrib.admin with the project's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_fsm_log",
    "django_celery_beat",
    "retail",
    "catalog",
    "inventory",
    "crm",
    "orders",
    "logistics",
    "aftersales",
    "retail.kpi",
    "retail.webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "retail.urls"
WSGI_APPLICATION = "retail.wsgi.application"
ASGI_APPLICATION = "retail.asgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
    {
        # Plain-text messages (templates/notifications/*.txt, retail.notifications.outbox): an SMS
        # or a text email is not HTML, so nothing in it is HTML-escaped ("A&B", a link's "&").
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {"autoescape": False},
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}


def _local_postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False


# Tests run on PostgreSQL whenever it answers locally (issue 3 §1); DATABASE_URL always wins.
if env.bool("TESTING", default=False) and "DATABASE_URL" not in os.environ and _local_postgres_answers():
    DATABASES["default"] = env.db_url_config("postgres://postgres@127.0.0.1:5432/retail")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several threads (runserver, eager tasks) share the file: wait rather than fail on a lock.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
# A streaming replica of the primary for the KPI, dashboard and report reads (retail/replica.py,
# docs/scaling.md "Read replica"): a short connect timeout, so a replica that does not answer costs
# one page at most two seconds, then the primary answers for the next 30 s. In tests the alias
# mirrors the test database (the replica test makes clusters of its own).
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["retail.replica.ReplicaRouter"]
# Behind PgBouncer in transaction pooling mode a cursor cannot outlive its transaction: Django's
# server-side cursors (QuerySet.iterator()) are turned off (docs/scaling.md "PgBouncer").
if env.bool("DATABASE_DISABLE_SERVER_SIDE_CURSORS", default=False):
    for _database in DATABASES.values():
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
# Persistent connections (docs/configuration.md, environment variables): a process keeps its
# connection for this many seconds instead of opening one per request (about 6 ms each here, a
# seventh of a placement; bench/README.md), checked before reuse so one the server closed is
# replaced rather than failing the request (a look at its socket, retail/db/base.py; SELECT 1 only
# when something waits there). 0 opens one per request, as behind PgBouncer may suit.
DATABASE_CONN_MAX_AGE = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASE_CONN_HEALTH_CHECKS = env.bool("DATABASE_CONN_HEALTH_CHECKS", default=True)
for _database in DATABASES.values():
    _database["CONN_MAX_AGE"] = DATABASE_CONN_MAX_AGE
    _database["CONN_HEALTH_CHECKS"] = DATABASE_CONN_HEALTH_CHECKS
    if _database["ENGINE"] == "django.db.backends.postgresql":
        # Django's, whose health check asks the socket before the server (retail/db/base.py)
        _database["ENGINE"] = "retail.db"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # Short socket timeouts: with Redis gone, a cache call fails in well under a second instead of
    # hanging the request (the throttles and the probe fail open on that error).
    CACHES = {
        "default": {
            "BACKEND": "retail.cache.RedisCache",  # Django's, one redis-py client per pool
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Security (manage.py check --deploy is clean with DEBUG off)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
CSRF_FAILURE_VIEW = "retail.views.csrf_failure"  # a page in the reader's language, with a way back
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Email and SMS
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="retail@localhost")
SMS_BACKEND = env("SMS_BACKEND", default="retail.notifications.sms.ConsoleSmsBackend")
# The HTTP provider adapter (SMS_BACKEND=retail.notifications.sms.HttpSmsBackend)
SMS_HTTP_URL = env("SMS_HTTP_URL", default="")
SMS_HTTP_TOKEN = env("SMS_HTTP_TOKEN", default="")
SMS_HTTP_TIMEOUT = env.float("SMS_HTTP_TIMEOUT", default=5.0)

# Celery
CELERY_BROKER_URL = REDIS_URL or "memory://"
if CELERY_BROKER_URL.startswith("redis://"):
    # kombu's Redis transport, publishing through one client per channel (retail/broker.py)
    CELERY_BROKER_TRANSPORT = "retail.broker.Transport"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Entries here are written into the beat database at beat's start (then editable in the admin).
CELERY_BEAT_SCHEDULE = {
    # Orders standing in a step longer than twice its standard: one alert per order and step.
    "kpi-step-overdue": {"task": "kpi.step_overdue_notify", "schedule": 300.0},
}
CELERY_TASK_ACKS_LATE = True
# Queues (docs/scaling.md "Queues"): customer and staff messages, webhook deliveries and the heavy
# KPI work each have their own, so a quarterly report never delays an order confirmation. A worker
# started without -Q consumes all four; the Procfile's `worker` takes all but `reports`, its
# `reports` worker only that one.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [
    Queue(name, routing_key=name) for name in ("celery", "notifications", "webhooks", "reports")
]
CELERY_TASK_ROUTES = {
    "retail.notification_send": {"queue": "notifications"},
    "retail.notifications_send": {"queue": "notifications"},
    "retail.notification_resend_pending": {"queue": "notifications"},
    "webhooks.delivery_send": {"queue": "webhooks"},
    "webhooks.resend_due": {"queue": "webhooks"},
    "kpi.report": {"queue": "reports"},
    "kpi.snapshots_recompute": {"queue": "reports"},
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The request path publishes from a commit hook: a dead broker must cost about a second, not the
# default 4 s connect timeout (the outbox keeps the row pending; the resend task sends it later).
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
# max_retries 0: kombu's connect loop gives up at the first refusal (the publisher's retry policy is
# off too, see retail.notifications.tasks); a worker reconnects by its own loop.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "max_retries": 0,
}
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=8)
NOTIFICATION_RESEND_BATCH = env.int("NOTIFICATION_RESEND_BATCH", default=500)
# Seconds a process gathers the notification and webhook rows its requests commit before handing
# them to the broker together (retail.broker.CommitBatch); 0 publishes in each commit hook.
OUTBOX_DISPATCH_DELAY = env.float("OUTBOX_DISPATCH_DELAY", default=0.1)
# Outgoing webhooks (docs/configuration.md "Webhooks"): the wait for a receiver's answer, and the
# retries of a timeout, connection error or 5xx: BASE × 2^(attempt − 1) seconds, capped at MAX.
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=5.0)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_BACKOFF_BASE = env.float("WEBHOOK_BACKOFF_BASE", default=30.0)
WEBHOOK_BACKOFF_MAX = env.float("WEBHOOK_BACKOFF_MAX", default=3600.0)
WEBHOOK_RESEND_BATCH = env.int("WEBHOOK_RESEND_BATCH", default=200)

# the files stored with one outbox row (a report's chart and workbook), in bytes
NOTIFICATION_ATTACHMENTS_MAX_BYTES = env.int("NOTIFICATION_ATTACHMENTS_MAX_BYTES", default=10 * 1024 * 1024)

# REST framework
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "retail.api.authentication.TokenAuthentication",  # DRF's, permissions read with the user
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "retail.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "retail.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "tracking": env("THROTTLE_TRACKING", default="30/min"),
        "user": env("THROTTLE_USER", default="3000/min"),
        "anon": env("THROTTLE_ANON", default="120/min"),
    },
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Retail order system API",
    "DESCRIPTION": "REST contract for web shop, POS, carriers, payment providers and ERP (docs/api.md).\n\n"
    'Every error is `{"error": {"code", "message", "details"}}`; the codes (retail/error_codes.py):\n\n'
    + error_codes.describe(),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc from the installed drf-spectacular-sidecar: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

PAYMENT_PROVIDER_SECRETS = env.dict("PAYMENT_PROVIDER_SECRETS", default={})

# Business settings (docs/configuration.md "Business settings")
ORDERS_PAYMENT_WINDOW = timedelta(minutes=env.int("ORDERS_PAYMENT_WINDOW_MINUTES", default=30))
ORDERS_PAYMENT_WINDOW_BY_METHOD = {"bank_transfer": timedelta(hours=48)}
ORDERS_REVIEW_THRESHOLD = Decimal(env("ORDERS_REVIEW_THRESHOLD", default="5000.00"))
SHIP_PROMISE = timedelta(hours=env.int("SHIP_PROMISE_HOURS", default=48))
AFTERSALES_WINDOWS = {
    "return": timedelta(days=7),
    "refund_only": timedelta(days=7),
    "exchange": timedelta(days=15),
    "repair": timedelta(days=365),
}
CRM_TICKET_SLA = {
    "urgent": (timedelta(minutes=30), timedelta(hours=8)),
    "high": (timedelta(hours=1), timedelta(hours=24)),
    "normal": (timedelta(hours=4), timedelta(hours=48)),
    "low": (timedelta(hours=24), timedelta(hours=120)),
}
CRM_TICKET_REOPEN_WINDOW = timedelta(days=7)
# The team lead told of an SLA breach, per staff group: "customer_service=lead_cs,aftersales=lead_as"
# (usernames); a ticket whose group (or owner's groups) has no lead alerts the group "manager".
SLA_TEAM_LEADS = env.dict("SLA_TEAM_LEADS", default={})
INVENTORY_DEFAULT_REORDER_POINT = 10
CSI_WEIGHTS = {
    "product": Decimal("0.30"),
    "order_handling": Decimal("0.20"),
    "delivery": Decimal("0.20"),
    "service": Decimal("0.20"),
    "payment": Decimal("0.10"),
}
SATISFIED_MIN = Decimal("4.0")
SURVEY_DELAY = timedelta(hours=24)
# A survey link works this long after it is due to be sent, then answers "invalid or expired".
SURVEY_LINK_VALIDITY = timedelta(days=env.int("SURVEY_LINK_VALIDITY_DAYS", default=30))
ORDER_ERROR_REASONS = ["wrong_item", "damaged"]
TOP_SKU_FRACTION = Decimal("0.20")
# The nightly KPI snapshot task recomputes this many past days (late after-sales, tickets, surveys).
KPI_SNAPSHOT_RECOMPUTE_DAYS = env.int("KPI_SNAPSHOT_RECOMPUTE_DAYS", default=35)
# The periodic reports' charts: the first of these font families matplotlib finds draws the
# Chinese labels (Debian: fonts-noto-cjk, fonts-wqy-zenhei, fonts-droid-fallback).
KPI_REPORT_FONTS = env.list(
    "KPI_REPORT_FONTS",
    default=[
        "Noto Sans CJK SC",
        "Noto Sans CJK JP",
        "WenQuanYi Zen Hei",
        "WenQuanYi Micro Hei",
        "Droid Sans Fallback",
    ],
)
STEP_STANDARD_MINUTES = {"review": 20, "pick": 30, "pack": 20, "outbound": 10, "feedback": 1440}
# Only the numbers the seeds give (docs/kpis.md); a JSON object in KPI_TARGETS overrides or adds
# (e.g. '{"on_time_shipping_rate": 95}'), a null removes one.
KPI_TARGETS = {
    "order_cycle_time": Decimal("40"),
    "complaint_rate": Decimal("1"),
    "satisfaction_rate": Decimal("95"),
    **{f"step_{step}_minutes": Decimal(minutes) for step, minutes in STEP_STANDARD_MINUTES.items()},
}
KPI_TARGETS = {
    key: Decimal(str(value))
    for key, value in {**KPI_TARGETS, **env.json("KPI_TARGETS", default={})}.items()
    if value is not None
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
AFTERSALES_REFUND_BACKEND = env("AFTERSALES_REFUND_BACKEND", default="aftersales.refunds.ManualRefundBackend")
ORDERS_SHIPPING_FEE = Decimal(env("ORDERS_SHIPPING_FEE", default="10.00"))
ORDERS_FREE_SHIPPING_OVER = Decimal(env("ORDERS_FREE_SHIPPING_OVER", default="99.00"))

# --- API (issue 6) ---
# JSON in and out only, so the schema documents exactly what the server parses; every client is
# throttled (anonymous per address, authenticated per user/token, the public tracking per client).
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = ["retail.api.parsers.JSONParser"]
REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = ["rest_framework.renderers.JSONRenderer"]
REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "retail.api.schema.AutoSchema"
REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] = ["retail.api.permissions.ActionPermission"]
# Clients are told apart by address: X-Forwarded-For counts only behind that many trusted proxies,
# so a client cannot dodge the tracking throttle by sending the header itself.
REST_FRAMEWORK["NUM_PROXIES"] = env.int("NUM_PROXIES", default=0)
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = [
    "retail.api.throttling.AnonRateThrottle",  # DRF's keys, a sliding window, failing open without the cache
    "retail.api.throttling.UserRateThrottle",
]
# The schema and its Swagger UI / ReDoc pages need a login like the rest of the API
# (retail/api/docs.py); a public developer portal opens them with API_DOCS_PUBLIC=true.
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=False)
SPECTACULAR_SETTINGS.update(
    {
        "SCHEMA_PATH_PREFIX": "/api/",
        # The enum components first, then stable ASCII names for the inline enums, no titles.
        "POSTPROCESSING_HOOKS": [
            "drf_spectacular.hooks.postprocess_schema_enums",
            "retail.api.schema.postprocess_stable_names",
            # Links from an object's creation to its read and transitions (docs/api.md).
            "retail.api.schema.postprocess_links",
        ],
        "ENUM_NAME_OVERRIDES": {
            "PaymentMethodEnum": "orders.models.PaymentMethod",
            "ChannelEnum": "orders.models.Channel",
            "OrderStatusEnum": "orders.models.Order.Status",
            "ProductStatusEnum": "catalog.models.Product.Status",
            "MovementKindEnum": "inventory.models.StockMovement.Kind",
            "PickListStatusEnum": "logistics.models.PickList.Status",
            "ShipmentStatusEnum": "logistics.models.Shipment.Status",
            "ShipmentEventStatusEnum": "logistics.models.ShipmentEvent.Status",
            "CarrierEnum": "logistics.models.Carrier",
            "AftersalesStatusEnum": "aftersales.models.AftersalesRequest.Status",
            "TicketStatusEnum": "crm.models.Ticket.Status",
            "ContactChannelEnum": "crm.models.ContactChannel",
        },
    }
)

# --- Security hardening (issue 19; docs/configuration.md "Security hardening") ---
# Admin login throttled by django-axes: AXES_FAILURE_LIMIT wrong passwords for one username from
# one address lock that pair out for AXES_COOLOFF_MINUTES (other users and addresses unaffected);
# a good login resets the count. The address is the one the API throttles see (NUM_PROXIES).
INSTALLED_APPS.append("axes")
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "retail.auth.ModelBackend",  # Django's, with a user's permissions in one query
]
MIDDLEWARE += ["retail.proxies.ForwardedForWarningMiddleware", "axes.middleware.AxesMiddleware"]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "retail.proxies.client_ip"
AXES_VERBOSE = False  # no start-up banner in every manage.py run; lock-outs are still logged
# Headers and cookies (check --deploy clean; HSTS as above). Django's defaults already send these
# two headers and an HttpOnly session cookie; stated here so the deployment contract is visible and
# the policy configurable. The CSRF cookie stays readable, as Django's CSRF docs require for
# JavaScript that sends the token.
SECURE_REFERRER_POLICY = env("SECURE_REFERRER_POLICY", default="same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

# --- Customer pages (issue 16 §6; docs/configuration.md "Customer pages") ---
# Links in customer messages open the order directly (retail/signing.py) for this many days.
TRACKING_LINK_MAX_AGE_DAYS = env.int("TRACKING_LINK_MAX_AGE_DAYS", default=30)
# Shown on every customer page; an empty value hides that line.
CUSTOMER_SERVICE_PHONE = env("CUSTOMER_SERVICE_PHONE", default="")
CUSTOMER_SERVICE_EMAIL = env("CUSTOMER_SERVICE_EMAIL", default=DEFAULT_FROM_EMAIL)
# Where returned goods go: per warehouse code (JSON object), else the one default address.
AFTERSALES_RETURN_ADDRESS = env("AFTERSALES_RETURN_ADDRESS", default="")
AFTERSALES_RETURN_ADDRESSES = env.json("AFTERSALES_RETURN_ADDRESSES", default={})

# Content-Security-Policy for our own pages (django-csp): scripts only from our own static files
# (no inline script, no on*= handlers: page code lives in retail/static/, data comes by json_script),
# inline style attributes tolerated, images from us or data: URLs, no plugins, never framed.
MIDDLEWARE += ["csp.middleware.CSPMiddleware"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        # ReDoc renders the schema in a web worker it starts from a blob: URL.
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
