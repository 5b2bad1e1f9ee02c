"""Other apps react to order changes without orders importing them (apps depend one way).

``order_transitioned`` is sent inside the transaction of the change, after the order row is saved,
with ``order``, ``transition``, ``source`` and ``by``; a receiver that raises rolls the change back."""

from django.dispatch import Signal

order_transitioned = Signal()
