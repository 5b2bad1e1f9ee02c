"""Admin test helpers: the messages a response flashed, a transition button's URL."""

from django.contrib.messages import get_messages


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def transition_url(obj, name: str) -> str:
    opts = obj._meta
    return f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/transition/{name}/"
