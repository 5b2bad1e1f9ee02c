"""crm's reactions to changes in the apps above it (signals of ``retail.events``, connected in
``CrmConfig.ready()``): crm never imports those apps."""

from .services import survey_create_for_order


def order_transitioned(sender, *, order, transition, **kwargs):
    """A delivered order gets its satisfaction survey, in the transaction of the delivery (the 1-day
    feedback step): if the survey cannot be created, the delivery rolls back with it."""
    if transition == "deliver":
        survey_create_for_order(order=order)
