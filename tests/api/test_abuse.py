"""Abuse: survey links cannot be guessed, reused or used after they expire; after-sales photos are
checked by content (magic bytes) and size, with a clear 400 on the customer's page."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aftersales.models import AftersalesPhoto, AftersalesRequest
from crm.models import Survey, SurveyResponse
from crm.services import survey_create_for_order
from retail.signing import order_link_token
from tests.helpers import world

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # 32 bytes, base64url without padding: 256 bits


@pytest.fixture
def survey(stocked):
    return survey_create_for_order(order=world.completed())


def _answer(anon, token):
    return anon.post(f"/api/crm/surveys/{token}/", {"scores": {"product": 5}}, format="json")


def test_survey_tokens_carry_256_random_bits_and_never_repeat(stocked):
    tokens = {survey_create_for_order(order=world.completed()).token for _ in range(5)}
    assert len(tokens) == 5 and all(TOKEN.fullmatch(t) for t in tokens)


def test_a_guessed_or_altered_token_is_404_like_any_unknown_one(anon, survey):
    unknown = _answer(anon, "A" * 43)
    altered = _answer(anon, survey.token[:-1] + ("A" if survey.token[-1] != "A" else "B"))
    for response in (unknown, altered, _answer(anon, "x" * 65)):
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert not SurveyResponse.objects.exists()


def test_a_survey_link_is_single_use(anon, survey):
    assert _answer(anon, survey.token).status_code == 201
    again = _answer(anon, survey.token)
    assert again.status_code == 409 and again.json()["error"]["code"] == "survey_already_answered"
    assert SurveyResponse.objects.count() == 1


def test_a_survey_link_expires(anon, client, survey, settings):
    settings.SURVEY_LINK_VALIDITY = timedelta(days=30)
    Survey.objects.filter(pk=survey.pk).update(send_after=timezone.now() - timedelta(days=30, minutes=1))
    expired = _answer(anon, survey.token)
    assert expired.status_code == 404 and expired.json()["error"]["code"] == "not_found"
    page = client.get(f"/survey/{survey.token}/")
    assert page.status_code == 404
    assert not SurveyResponse.objects.exists()
    Survey.objects.filter(pk=survey.pk).update(send_after=timezone.now() - timedelta(days=29, hours=23))
    assert _answer(anon, survey.token).status_code == 201  # still inside the window


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def _page_post(client, order, photo):
    return client.post(
        f"/aftersales/{order_link_token(order.number)}/",  # the order's signed page
        {
            "type": "return",
            "reason": "quality",
            "qty_SKU-001": "1",
            "photos": photo,
        },
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.jpg", b"<script>alert(1)</script>"),  # a page named .jpg
        ("photo.png", JPEG),  # a JPEG named .png
        ("photo.gif", b"MZ\x90\x00"),  # a program
        ("photo.webp", b"RIFF\x00\x00\x00\x00WAVE"),  # sound, not an image
        ("photo.heic", b""),  # empty
    ],
)
def test_a_photo_whose_content_is_not_its_image_type_is_a_clear_400(client, stocked, name, content):
    order = world.completed()
    response = _page_post(client, order, SimpleUploadedFile(name, content, "image/jpeg"))
    assert response.status_code == 400
    assert "照片格式不支持" in response.content.decode()
    assert not AftersalesRequest.objects.exists() and not AftersalesPhoto.objects.exists()


def test_a_real_image_is_accepted_and_an_oversized_one_refused(client, stocked, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    order = world.completed()
    assert _page_post(client, order, SimpleUploadedFile("ok.png", PNG, "image/png")).status_code == 302
    assert AftersalesPhoto.objects.count() == 1
    from aftersales.services import MAX_PHOTO_BYTES, aftersales_photo_add
    from retail.errors import ValidationError

    big = SimpleUploadedFile("big.jpg", JPEG + b"\x00" * MAX_PHOTO_BYTES, "image/jpeg")
    with pytest.raises(ValidationError) as refused:
        aftersales_photo_add(request=AftersalesRequest.objects.get(), file=big)
    assert refused.value.details == {"photos": ["max 10 MB"]}
    assert AftersalesPhoto.objects.count() == 1
