from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from crm import selectors, services
from crm.models import Survey, SurveyAnswer, SurveyResponse
from retail.errors import Conflict, NotFound, ValidationError
from retail.models import Notification
from tests.helpers.crm import at, complete, customer_data, place_valid

pytestmark = pytest.mark.django_db

ALL_FIVE = {"product": 5, "order_handling": 4, "delivery": 4, "service": 5, "payment": 5}


@pytest.fixture
def survey(stocked):
    order = complete(place_valid(customer=customer_data(1)), when=at("2026-11-24 10:00"))
    return services.survey_create_for_order(order=order)


# -- creation and sending -------------------------------------------------------------------------
def test_survey_is_created_once_per_completed_order(survey):
    again = services.survey_create_for_order(order=survey.order)
    assert again.pk == survey.pk and Survey.objects.count() == 1
    assert survey.send_after == at("2026-11-25 10:00")  # completed_at + SURVEY_DELAY (24 h)
    assert survey.customer == survey.order.customer
    assert len(survey.token) >= 40


def test_tokens_are_unguessable_and_distinct(stocked):
    tokens = {
        services.survey_create_for_order(order=complete(place_valid(customer=customer_data(n)))).token
        for n in range(3)
    }
    assert len(tokens) == 3


def test_no_survey_before_completion(stocked):
    order = place_valid(customer=customer_data(1))
    with pytest.raises(ValidationError) as exc:
        services.survey_create_for_order(order=order)
    assert exc.value.code == "order_not_completed"
    assert not Survey.objects.exists()


def test_survey_is_sent_when_due_with_its_link(survey, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://shop.example.cn"
    with time_machine.travel(at("2026-11-25 09:59"), tick=False):
        assert services.survey_send_due() == 0
    with time_machine.travel(at("2026-11-25 10:00"), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert services.survey_send_due() == 1
        assert services.survey_send_due() == 0
    survey.refresh_from_db()
    assert survey.sent_at == at("2026-11-25 10:00")
    link = f"https://shop.example.cn/survey/{survey.token}/"
    note = Notification.objects.get(event="survey_invite")
    assert (note.channel, note.recipient, note.reference) == ("email", "c1@example.cn", survey.order.number)
    assert link in mail.outbox[-1].body


# -- answering (service) --------------------------------------------------------------------------
def test_answers_carry_their_weights_and_the_csi(survey):
    # docs/kpis.md worked example R1 (5,4,4,5,5) = 4.6
    response = services.survey_submit(token=survey.token, scores=ALL_FIVE, comment="很好")
    assert response.csi == Decimal("4.6000")
    weights = dict(SurveyAnswer.objects.values_list("dimension", "weight"))
    assert weights == {
        "product": Decimal("0.3000"),
        "order_handling": Decimal("0.2000"),
        "delivery": Decimal("0.2000"),
        "service": Decimal("0.2000"),
        "payment": Decimal("0.1000"),
    }
    survey.refresh_from_db()
    assert survey.answered_at is not None


def test_csi_over_answered_dimensions_only(survey):
    # docs/kpis.md worked example R2 (3,2,3,–,4) = 2.3 / 0.8 = 2.875
    response = services.survey_submit(
        token=survey.token,
        scores={"product": 3, "order_handling": 2, "delivery": "3", "service": None, "payment": 4},
    )
    assert response.csi == Decimal("2.8750")
    assert response.answers.count() == 4
    assert Notification.objects.filter(event="survey_low_score", group="customer_service").exists()


def test_weights_in_force_are_kept_on_the_answer(survey, settings):
    settings.CSI_WEIGHTS = {**settings.CSI_WEIGHTS, "product": Decimal("0.50")}
    response = services.survey_submit(token=survey.token, scores={"product": 4, "payment": 2})
    assert response.csi == Decimal("3.6667")  # (0.5·4 + 0.1·2) / 0.6
    assert response.answers.get(dimension="product").weight == Decimal("0.5000")


def test_survey_link_is_single_use(survey):
    services.survey_submit(token=survey.token, scores={"product": 5})
    with pytest.raises(Conflict) as exc:
        services.survey_submit(token=survey.token, scores={"product": 1}, comment="改主意了")
    assert exc.value.code == "survey_already_answered"
    assert SurveyResponse.objects.get().csi == Decimal("5.0000")
    assert SurveyAnswer.objects.count() == 1


@pytest.mark.parametrize("token", ["", "x" * 43, "x" * 200, None])
def test_bad_token_is_not_found(survey, token):
    with pytest.raises(NotFound):
        services.survey_submit(token=token, scores={"product": 5})
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize(
    ("scores", "key"),
    [
        ({}, "scores"),
        ({"product": None}, "scores"),
        ({"product": 0}, "scores.product"),
        ({"product": 6}, "scores.product"),
        ({"product": "五"}, "scores.product"),
        ({"product": 4.5}, "scores.product"),
        ({"product": True}, "scores.product"),
        ({"looks": 5}, "scores.looks"),
        ("5", "scores"),
    ],
)
def test_bad_scores_save_nothing(survey, scores, key):
    with pytest.raises(ValidationError) as exc:
        services.survey_submit(token=survey.token, scores=scores)
    assert key in exc.value.details
    assert not SurveyResponse.objects.exists()
    survey.refresh_from_db()
    assert survey.answered_at is None
    services.survey_submit(token=survey.token, scores={"product": 5})  # still answerable


def test_feedback_is_searchable_by_customer_and_order(survey):
    services.survey_submit(token=survey.token, scores={"product": 5}, comment="包装很好")
    assert [r.comment for r in selectors.survey_response_list(customer=survey.customer)] == ["包装很好"]
    assert selectors.survey_response_list(order_number=survey.order.number).count() == 1
    assert selectors.survey_response_list(order_number="SO-OTHER").count() == 0


# -- the public page ------------------------------------------------------------------------------
def test_page_shows_the_dimensions_in_chinese(client, survey):
    response = client.get(f"/survey/{survey.token}/")
    assert response.status_code == 200
    html = response.content.decode()
    for label in ["商品质量", "订单处理", "物流配送", "客户服务/售后", "支付结算", "提交评价"]:
        assert label in html
    assert 'name="viewport"' in html
    assert survey.order.number in html
    assert "c1@example.cn" not in html and survey.order.customer_name not in html


def test_page_submission_thanks_once_then_says_already_answered(client, survey):
    url = f"/survey/{survey.token}/"
    response = client.post(
        url, {"product": "5", "order_handling": "4", "delivery": "", "comment": "不错"}, follow=True
    )
    assert response.status_code == 200
    assert "感谢您的评价" in response.content.decode()
    assert SurveyResponse.objects.get().csi == Decimal("4.6000")  # (0.3·5 + 0.2·4) / 0.5
    again = client.get(url)
    assert "您已提交过评价" in again.content.decode()
    second = client.post(url, {"product": "1"})
    assert second.status_code == 409
    assert "您已提交过评价" in second.content.decode()
    assert SurveyAnswer.objects.count() == 2


def test_page_with_no_score_explains_and_saves_nothing(client, survey):
    response = client.post(f"/survey/{survey.token}/", {"comment": "只写意见"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "请至少为一项打分" in html and "只写意见" in html
    assert not SurveyResponse.objects.exists()


def test_page_with_a_bad_token_is_not_found(client, survey):
    for method in (client.get, client.post):
        response = method(f"/survey/{survey.token[:-1]}x/")
        assert response.status_code == 404
        assert "链接无效" in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_the_whole_page_reads_in_english(client, survey):
    """Every string of the form, the scale and the answers pages follows the customer's language."""
    import re

    client.cookies["django_language"] = "en"
    url = f"/survey/{survey.token}/"

    def visible(response) -> str:
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
        return text.replace("中文", "")  # the switch names each language in itself

    form = client.get(url)
    assert '<html lang="en">' in form.content.decode() and 'action="/i18n/setlang/"' in form.content.decode()
    for label in ["Order satisfaction survey", "Very happy", "Very unhappy", "Submit"]:
        assert label in visible(form)
    assert not re.search(r"[\u4e00-\u9fff]", visible(form)), visible(form)
    refused = client.post(url, {"comment": "ok"})
    assert refused.status_code == 400 and not re.search(r"[\u4e00-\u9fff]", visible(refused))
    thanks = client.post(url, {"product": "5"}, follow=True)
    assert not re.search(r"[\u4e00-\u9fff]", visible(thanks)), visible(thanks)
    invalid = client.get(f"/survey/{survey.token[:-1]}x/")
    assert invalid.status_code == 404 and not re.search(r"[\u4e00-\u9fff]", visible(invalid))
