"""Every error code the API gives, in one registry: the raise sites use these constants, and the
OpenAPI description lists them (``describe()``), so a client's table of codes is the server's.

A code is a stable snake_case word; the message next to it is for humans and may change. Pure
Python on purpose: settings import it to build the schema description."""

# -- generic (retail.errors classes and the exception handler) ----------------------------------
BUSINESS_ERROR = "business_error"
VALIDATION_ERROR = "validation_error"
INVALID_INPUT = "invalid_input"
MALFORMED_REQUEST = "malformed_request"
REQUEST_TOO_LARGE = "request_too_large"
NOT_AUTHENTICATED = "not_authenticated"
AUTHENTICATION_FAILED = "authentication_failed"
PERMISSION_DENIED = "permission_denied"
NOT_FOUND = "not_found"
METHOD_NOT_ALLOWED = "method_not_allowed"
NOT_ACCEPTABLE = "not_acceptable"
UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
THROTTLED = "throttled"
ERROR = "error"
SERVER_ERROR = "server_error"
SERVICE_UNAVAILABLE = "service_unavailable"
TRANSITION_NOT_ALLOWED = "transition_not_allowed"
CONCURRENT_UPDATE = "concurrent_update"
CONFLICT = "conflict"
INSUFFICIENT_STOCK = "insufficient_stock"
UNKNOWN_TRANSITION = "unknown_transition"
REASON_REQUIRED = "reason_required"

# -- idempotency and callbacks -------------------------------------------------------------------
INVALID_IDEMPOTENCY_KEY = "invalid_idempotency_key"
IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
IDEMPOTENCY_IN_PROGRESS = "idempotency_in_progress"
INVALID_SIGNATURE = "invalid_signature"

# -- orders --------------------------------------------------------------------------------------
NO_LINES = "no_lines"
INVALID_QUANTITY = "invalid_quantity"
DUPLICATE_SKU = "duplicate_sku"
UNKNOWN_SKU = "unknown_sku"
SKU_NOT_ORDERABLE = "sku_not_orderable"
MISSING_CONTACT = "missing_contact"
REVIEW_REQUIRED = "review_required"
REFUND_EXCEEDS_PAID = "refund_exceeds_paid"
UNKNOWN_ORDER = "unknown_order"
DUPLICATE_ORDER = "duplicate_order"
DUPLICATE_PAYMENT = "duplicate_payment"

# -- catalog and inventory -----------------------------------------------------------------------
LISTING_INCOMPLETE = "listing_incomplete"
INVALID_BARCODE = "invalid_barcode"
COUNT_BELOW_RESERVED = "count_below_reserved"
STOCK_STATE_CONFLICT = "stock_state_conflict"

# -- logistics -----------------------------------------------------------------------------------
UNKNOWN_CARRIER = "unknown_carrier"
TRACKING_NUMBER_REQUIRED = "tracking_number_required"
INVALID_TRACKING_NUMBER = "invalid_tracking_number"
DUPLICATE_TRACKING_NUMBER = "duplicate_tracking_number"
LINES_NOT_RESERVED = "lines_not_reserved"
PICK_REJECTED = "pick_rejected"
PICKS_INCOMPLETE = "picks_incomplete"
QC_NOTE_REQUIRED = "qc_note_required"
QC_FAILED = "qc_failed"
INVALID_STATUS = "invalid_status"

# -- after-sales ---------------------------------------------------------------------------------
NOT_DELIVERED = "not_delivered"
WINDOW_CLOSED = "window_closed"
SKU_NOT_IN_ORDER = "sku_not_in_order"
QUANTITY_EXCEEDS_DELIVERED = "quantity_exceeds_delivered"
INVALID_PHOTO = "invalid_photo"
TOO_MANY_PHOTOS = "too_many_photos"
SKU_NOT_IN_REQUEST = "sku_not_in_request"
INVALID_INSPECTION = "invalid_inspection"
INSPECTION_REQUIRED = "inspection_required"
NOTHING_TO_REFUND = "nothing_to_refund"

# -- customer care -------------------------------------------------------------------------------
CUSTOMER_EXISTS = "customer_exists"
MERGE_SAME_CUSTOMER = "merge_same_customer"
UNKNOWN_USER = "unknown_user"
NO_CHANGE = "no_change"
ORDER_NOT_COMPLETED = "order_not_completed"
SURVEY_ALREADY_ANSWERED = "survey_already_answered"
NO_SCORES = "no_scores"
INVALID_SCORE = "invalid_score"
COUPON_CODE_TAKEN = "coupon_code_taken"
INVALID_COUPON = "invalid_coupon"
COUPON_NOT_STARTED = "coupon_not_started"
COUPON_EXPIRED = "coupon_expired"
COUPON_EXHAUSTED = "coupon_exhausted"
COUPON_CUSTOMER_LIMIT = "coupon_customer_limit"
COUPON_MIN_AMOUNT = "coupon_min_amount"

MEANINGS = {
    VALIDATION_ERROR: "A field or parameter is invalid; `details` names it.",
    INVALID_INPUT: "A value is out of the range the database holds.",
    MALFORMED_REQUEST: "The body is not valid JSON (or not the declared type).",
    REQUEST_TOO_LARGE: "The request body is too large.",
    SERVER_ERROR: "An unexpected error (a bug or an outage); it was logged. Retry later.",
    SERVICE_UNAVAILABLE: "The database connection failed during the request (503, `Retry-After`); "
    "nothing was written. Retry later, with the same `Idempotency-Key`.",
    NOT_AUTHENTICATED: "No credentials, or a callback without a valid signature.",
    AUTHENTICATION_FAILED: "The credentials given are wrong.",
    PERMISSION_DENIED: "The user's role does not allow this.",
    NOT_FOUND: "Unknown object, page or endpoint.",
    METHOD_NOT_ALLOWED: "The HTTP method is not allowed here.",
    NOT_ACCEPTABLE: "The `Accept` header asks for a type the API does not give.",
    UNSUPPORTED_MEDIA_TYPE: "The body's content type is not accepted.",
    THROTTLED: "Too many requests; retry after `details.wait` seconds.",
    ERROR: "Any other client error.",
    BUSINESS_ERROR: "A business rule refused the request (generic).",
    TRANSITION_NOT_ALLOWED: "The object's current state does not allow this step.",
    CONCURRENT_UPDATE: "The object changed meanwhile; reload and retry.",
    CONFLICT: "The request conflicts with the current state.",
    INSUFFICIENT_STOCK: "Not enough stock to reserve every line.",
    UNKNOWN_TRANSITION: "No such step for this object.",
    REASON_REQUIRED: "This step needs a reason.",
    INVALID_IDEMPOTENCY_KEY: "The `Idempotency-Key` header is not 1–255 printable ASCII characters.",
    IDEMPOTENCY_KEY_REUSED: "The idempotency key was used with a different body.",
    IDEMPOTENCY_IN_PROGRESS: "The first request with this idempotency key has not finished.",
    INVALID_SIGNATURE: "A callback's signature does not match its body.",
    NO_LINES: "An order or request needs at least one line.",
    INVALID_QUANTITY: "A quantity is not a whole number in range.",
    DUPLICATE_SKU: "A SKU appears on two lines.",
    UNKNOWN_SKU: "No such SKU.",
    SKU_NOT_ORDERABLE: "The SKU is not listed or is inactive.",
    MISSING_CONTACT: "A customer phone or email is required.",
    REVIEW_REQUIRED: "A large order needs a sales reviewer.",
    REFUND_EXCEEDS_PAID: "The refund is more than may be refunded.",
    UNKNOWN_ORDER: "No such order.",
    DUPLICATE_ORDER: "A concurrent request placed the order with this idempotency key.",
    DUPLICATE_PAYMENT: "A concurrent request recorded this provider's payment reference.",
    LISTING_INCOMPLETE: "The product lacks what a listing needs.",
    INVALID_BARCODE: "The barcode is not a valid EAN/UPC.",
    COUNT_BELOW_RESERVED: "A stock count below what is reserved.",
    STOCK_STATE_CONFLICT: "Stock changed meanwhile; the movement would break its invariant.",
    UNKNOWN_CARRIER: "No such carrier, or none chosen.",
    TRACKING_NUMBER_REQUIRED: "Shipping needs a tracking number.",
    INVALID_TRACKING_NUMBER: "A tracking number is 4–64 letters, digits or '-'.",
    DUPLICATE_TRACKING_NUMBER: "The carrier's tracking number is already used.",
    LINES_NOT_RESERVED: "Picking needs every line reserved.",
    PICK_REJECTED: "The scan is not on the pick list, or more than is left to pick.",
    PICKS_INCOMPLETE: "The pick records do not match the order lines.",
    QC_NOTE_REQUIRED: "A failed QC needs a reason.",
    QC_FAILED: "QC failed: the order went back to picking.",
    INVALID_STATUS: "No such tracking status.",
    NOT_DELIVERED: "After-sales needs a completed order.",
    WINDOW_CLOSED: "The after-sales window has ended.",
    SKU_NOT_IN_ORDER: "The SKU is not on the order.",
    QUANTITY_EXCEEDS_DELIVERED: "More units than were delivered and not yet requested.",
    INVALID_PHOTO: "A photo of an unsupported type or over 10 MB.",
    TOO_MANY_PHOTOS: "At most 9 photos per request.",
    SKU_NOT_IN_REQUEST: "An inspection result for a SKU not on the request.",
    INVALID_INSPECTION: "An inspection result is neither `resellable` nor `damaged`.",
    INSPECTION_REQUIRED: "Every returned line needs an inspection result.",
    NOTHING_TO_REFUND: "The request has nothing left to refund.",
    CUSTOMER_EXISTS: "A customer with this phone or email exists.",
    MERGE_SAME_CUSTOMER: "A customer cannot be merged into itself.",
    UNKNOWN_USER: "No such staff user.",
    NO_CHANGE: "The request changes nothing.",
    ORDER_NOT_COMPLETED: "A survey needs a completed order.",
    SURVEY_ALREADY_ANSWERED: "The survey was answered already.",
    NO_SCORES: "A survey answer needs at least one score.",
    INVALID_SCORE: "A score is not 1–5.",
    COUPON_CODE_TAKEN: "The coupon code is used already.",
    INVALID_COUPON: "No such coupon, or it is inactive.",
    COUPON_NOT_STARTED: "The coupon is not valid yet.",
    COUPON_EXPIRED: "The coupon has expired.",
    COUPON_EXHAUSTED: "The coupon has no uses left.",
    COUPON_CUSTOMER_LIMIT: "The customer has used this coupon as often as allowed.",
    COUPON_MIN_AMOUNT: "The order is below the coupon's minimum amount.",
}


def describe() -> str:
    """The registry as a Markdown table (code → meaning) for the OpenAPI description."""
    rows = "\n".join(f"| `{code}` | {meaning} |" for code, meaning in MEANINGS.items())
    return f"| code | meaning |\n| --- | --- |\n{rows}"


# Unique constraints a concurrent request can legitimately hit between a service's check and its
# insert (two first requests with one idempotency key, one payment callback delivered twice at
# once...): the API answers 409 with this code. Any other IntegrityError is a bug (a check the code
# forgot) and stays a logged 500. Keys are PostgreSQL constraint names: a ``UniqueConstraint``'s
# ``name``, or ``<table>_<column>_key`` for a ``unique=True`` column.
RACE_CONSTRAINTS = {
    "orders_order_idempotency_key_key": DUPLICATE_ORDER,
    "payment_unique_reference": DUPLICATE_PAYMENT,
    "idempotency_unique_key": IDEMPOTENCY_IN_PROGRESS,
    "shipment_unique_tracking": DUPLICATE_TRACKING_NUMBER,
    "shipmentevent_unique": CONFLICT,
    "stock_unique_sku_warehouse": CONFLICT,
    "couponusage_unique": CONFLICT,
    "crm_customer_phone_key": CUSTOMER_EXISTS,
    "crm_customer_email_key": CUSTOMER_EXISTS,
    "catalog_sku_code_key": CONFLICT,
    "catalog_sku_barcode_key": CONFLICT,
    "inventory_warehouse_code_key": CONFLICT,
    "category_unique_name_in_parent": CONFLICT,
}
