"""Satisfaction surveys: one per completed order, sent after ``settings.SURVEY_DELAY``, answered
once through a public token; CSI weights from ``settings.CSI_WEIGHTS``."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from retail import error_codes as codes
from retail.errors import Conflict, NotFound, ValidationError
from retail.notifications.services import notification_queue
from retail.validation import text_clean

from .. import selectors
from ..models import CsiDimension, Survey, SurveyAnswer, SurveyResponse


def survey_url(survey: Survey) -> str:
    """The public link; ``settings.SITE_URL`` makes it absolute for messages."""
    return f"{getattr(settings, 'SITE_URL', '').rstrip('/')}{reverse('crm:survey', args=[survey.token])}"


def survey_create_for_order(*, order) -> Survey:
    """The survey of a completed order, sent ``settings.SURVEY_DELAY`` after completion. Idempotent:
    a second call (or a concurrent one) returns the same survey."""
    if order.completed_at is None:
        raise ValidationError(
            _("订单尚未完成，不能发起满意度调查。"),
            code=codes.ORDER_NOT_COMPLETED,
            details={"order": [order.number]},
        )
    existing = Survey.objects.filter(order=order).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Survey.objects.create(
                order=order,
                customer_id=order.customer_id,
                # 32 random bytes (256 bits) from the OS's CSPRNG: 43 URL-safe characters no one guesses.
                token=secrets.token_urlsafe(32),
                send_after=order.completed_at + settings.SURVEY_DELAY,
            )
    except IntegrityError:
        return Survey.objects.get(order=order)


@transaction.atomic
def survey_send_due(*, now=None) -> int:
    """Send every survey whose time has come (email, else SMS, with its link) and stamp ``sent_at``;
    rows are claimed with SKIP LOCKED so concurrent runs never send one twice. Returns how many."""
    now = now or timezone.now()
    surveys = list(selectors.surveys_due(now=now).select_for_update(skip_locked=True, of=("self",))[:500])
    for survey in surveys:
        order = survey.order
        notification_queue(
            event="survey_invite",
            reference=order.number,
            email=order.customer_email,
            phone="" if order.customer_email else order.customer_phone,
            context={"survey": survey, "order": order, "url": survey_url(survey)},
            language=selectors.customer_language(survey.customer),
        )
        survey.sent_at = now
    Survey.objects.bulk_update(surveys, ["sent_at"])
    return len(surveys)


def _clean_scores(scores) -> dict[str, int]:
    if not isinstance(scores, dict):
        raise ValidationError(_("评分格式错误。"), details={"scores": ["object of dimension → 1..5"]})
    cleaned = {}
    for key, value in scores.items():
        if key not in CsiDimension.values:
            raise ValidationError(
                _("未知的评价维度：%(key)s。") % {"key": key},
                details={f"scores.{key}": ["unknown dimension"]},
            )
        if value in (None, ""):
            continue
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise ValidationError(
                _("评分须为 1 到 5 的整数。"),
                code=codes.INVALID_SCORE,
                details={f"scores.{key}": ["integer 1..5"]},
            )
        cleaned[key] = value
    if not cleaned:
        raise ValidationError(
            _("请至少为一项打分。"), code=codes.NO_SCORES, details={"scores": ["at least one dimension"]}
        )
    return cleaned


@transaction.atomic
def survey_submit(*, token: str, scores: dict, comment: str = "") -> SurveyResponse:
    """Record the answers of a survey, once. A bad token is ``NotFound``; a second answer is
    ``Conflict`` ``survey_already_answered``; bad scores are ``ValidationError``; none saves anything.

    Each answer carries its weight from ``settings.CSI_WEIGHTS``; the response's CSI_r = Σ Wi·Qi / Σ Wi
    over the answered dimensions. A score below ``settings.SATISFIED_MIN`` asks customer service for
    a follow-up call (回访)."""
    token = token if isinstance(token, str) else ""
    survey = (
        Survey.objects.select_for_update(of=("self",))
        .select_related("order", "customer")
        .filter(token=token)
        .first()
        if token and len(token) <= 64
        else None
    )
    if survey is None:
        raise NotFound(_("调查链接无效或已失效。"))
    if survey.answered_at is not None:
        raise Conflict(_("该调查已提交，感谢您的反馈。"), code=codes.SURVEY_ALREADY_ANSWERED)
    if survey.link_expired(timezone.now()):
        raise NotFound(_("调查链接无效或已失效。"))
    cleaned = _clean_scores(scores)
    comment = text_clean(comment, name="comment", max_length=2000)
    weights = {key: Decimal(str(value)) for key, value in settings.CSI_WEIGHTS.items()}
    scored = [(weights[d], cleaned[d]) for d in CsiDimension.values if d in cleaned]
    now = timezone.now()
    response = SurveyResponse.objects.create(
        survey=survey, comment=comment, csi=SurveyResponse.csi_of(scored), submitted_at=now
    )
    SurveyAnswer.objects.bulk_create(
        [
            SurveyAnswer(response=response, dimension=d, score=cleaned[d], weight=weights[d])
            for d in CsiDimension.values
            if d in cleaned
        ]
    )
    survey.answered_at = now
    survey.save(update_fields=["answered_at"])
    if response.csi < settings.SATISFIED_MIN:
        notification_queue(
            event="survey_low_score",
            reference=survey.order.number,
            groups=("customer_service",),
            context={"survey": survey, "response": response, "scores": cleaned},
        )
    return response
