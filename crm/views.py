"""The public satisfaction survey page (mobile first, Chinese or English as the customer picks): thin
over ``survey_submit``."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from retail.errors import Conflict, NotFound, ValidationError

from . import selectors
from .models import CsiDimension
from .services import survey_submit

SCORES = [
    (5, gettext_lazy("非常满意")),
    (4, gettext_lazy("满意")),
    (3, gettext_lazy("一般")),
    (2, gettext_lazy("不满意")),
    (1, gettext_lazy("很不满意")),
]
THANKS_TAG = "survey-thanks"


def _message(request, *, title: str, text: str, status: int = 200, kind: str = "info"):
    return render(
        request, "crm/survey_message.html", {"title": title, "text": text, "kind": kind}, status=status
    )


def _invalid(request):
    return _message(
        request,
        title=_("链接无效"),
        text=_("调查链接无效或已失效，请检查短信或邮件中的链接。"),
        status=404,
        kind="error",
    )


def _already_answered(request, status: int = 200):
    return _message(
        request,
        title=_("您已提交过评价"),
        text=_("此调查已提交，每个链接只能提交一次。感谢您的支持！"),
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def survey_page(request, token: str):
    survey = selectors.survey_by_token(token=token)
    if survey is None:
        return _invalid(request)
    error, chosen, comment = "", {}, ""
    if request.method == "POST":
        chosen = {d: request.POST.get(d, "") for d in CsiDimension.values}
        comment = request.POST.get("comment", "")
        try:
            survey_submit(token=token, scores=chosen, comment=comment)
        except NotFound:
            return _invalid(request)
        except Conflict:
            return _already_answered(request, status=409)
        except ValidationError as exc:
            error = exc.message
        else:
            messages.success(request, _("感谢您的评价！"), extra_tags=THANKS_TAG)
            return redirect(request.path)
    elif survey.answered_at is not None:
        if any(THANKS_TAG in m.tags for m in messages.get_messages(request)):
            return _message(
                request,
                title=_("感谢您的评价！"),
                text=_("您的反馈已收到，我们会认真改进商品与服务。"),
                kind="success",
            )
        return _already_answered(request)
    dimensions = [
        {"key": value, "label": label, "chosen": str(chosen.get(value, ""))}
        for value, label in CsiDimension.choices
    ]
    return render(
        request,
        "crm/survey.html",
        {
            "survey": survey,
            "order": survey.order,
            "dimensions": dimensions,
            "scores": SCORES,
            "error": error,
            "comment": comment,
        },
        status=400 if error else 200,
    )
