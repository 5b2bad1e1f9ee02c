"""``get_FOO_display()`` by one dictionary lookup.

Django's own ``Model._get_FIELD_display`` rebuilds a dictionary of the field's choices on every
call and hashes each choice whole, label included: for a lazily translated label that is one
``gettext`` per choice, ten for an order's status, to show one of them. The order confirmation, the
placement's answer and every list page showing a status call it once per row.

``ChoiceLabels`` keeps, per field, the dictionary value → label (the labels stay lazy, so each is
translated when shown, in the language active then) and rebuilds it only when the field's choices
are replaced. A value that cannot be a dictionary key falls back to Django's way."""

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


def _labels(field) -> dict:
    """value → label of ``field``'s choices, kept on the field for as long as its choices stay."""
    choices = field.choices
    kept = field.__dict__.get("_retail_choice_labels")
    if kept is None or kept[0] is not choices:
        kept = (choices, {make_hashable(value): label for value, label in field.flatchoices})
        field._retail_choice_labels = kept
    return kept[1]


class ChoiceLabels:
    """Model mixin (before ``models.Model`` in the bases): the ``get_FOO_display()`` of its choice
    fields looks the label up instead of rebuilding the choices each time."""

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        try:
            label = _labels(field).get(value, value)
        except TypeError:  # an unhashable value (a list, a dict): Django's own way
            return super()._get_FIELD_display(field)
        return force_str(label, strings_only=True)
