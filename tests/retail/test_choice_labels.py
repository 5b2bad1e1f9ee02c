"""retail.choices.ChoiceLabels: ``get_FOO_display()`` by one lookup gives what Django's own gives,
for every choice field of every project model, in Chinese and in English."""

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from orders.models import Order
from retail.choices import ChoiceLabels

PROJECT_APPS = ("orders", "catalog", "crm", "aftersales", "logistics", "inventory", "retail")


def _choice_fields():
    for model in apps.get_models():
        if model.__module__.split(".")[0] not in PROJECT_APPS:
            continue
        for field in model._meta.concrete_fields:
            if field.choices:
                yield model, field


def test_every_project_model_with_a_choice_field_looks_its_labels_up():
    missing = sorted({m.__name__ for m, _ in _choice_fields() if not issubclass(m, ChoiceLabels)})
    assert missing == []
    assert len({m for m, _ in _choice_fields()}) >= 20  # the walk above does see the models


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_label_is_djangos_own_in_the_active_language(language):
    compared = 0
    with translation.override(language):
        for model, field in _choice_fields():
            for value, _label in field.flatchoices:
                row = model(**{field.attname: value})
                ours = getattr(row, f"get_{field.name}_display")()
                assert ours == models.Model._get_FIELD_display(row, field), (model, field.name, value)
                assert isinstance(ours, str)
                compared += 1
    assert compared > 50


def test_the_label_follows_the_language_active_when_shown():
    order = Order(status=Order.S.PENDING)
    with translation.override("zh-hans"):
        assert order.get_status_display() == "待处理"
    with translation.override("en"):
        english = order.get_status_display()
    assert english != "待处理" and english.isascii()


def test_a_value_outside_the_choices_shows_as_itself_and_an_unhashable_one_as_django_shows_it():
    assert Order(status="no-such-status").get_status_display() == "no-such-status"
    odd = Order(channel=["not", "hashable"])
    field = Order._meta.get_field("channel")
    assert odd.get_channel_display() == models.Model._get_FIELD_display(odd, field) == "['not', 'hashable']"


def test_new_choices_on_the_field_are_seen():
    field = Order._meta.get_field("channel")
    before = field.choices
    try:
        field.choices = [*before, ("kiosk", "自助机")]
        assert Order(channel="kiosk").get_channel_display() == "自助机"
    finally:
        field.choices = before
    assert Order(channel="kiosk").get_channel_display() == "kiosk"
