"""Customers, the contact log, service tickets with SLA, satisfaction surveys and care coupons.

Orders are referenced by string ("orders.Order") only: the code dependency runs orders → crm."""

from .contacts import ContactLog
from .coupons import Coupon, CouponRedemption, CouponUsage
from .customers import (
    MONEY,
    ContactChannel,
    Customer,
    CustomerAddress,
    CustomerMerge,
    CustomerTag,
    Language,
    Segment,
)
from .surveys import CsiDimension, Survey, SurveyAnswer, SurveyResponse
from .tickets import Ticket, TicketEscalation, TicketReply, TicketSLAPolicy

__all__ = [
    "ContactChannel",
    "ContactLog",
    "Coupon",
    "CouponRedemption",
    "CouponUsage",
    "CsiDimension",
    "Customer",
    "CustomerAddress",
    "CustomerMerge",
    "CustomerTag",
    "Language",
    "MONEY",
    "Segment",
    "Survey",
    "SurveyAnswer",
    "SurveyResponse",
    "Ticket",
    "TicketEscalation",
    "TicketReply",
    "TicketSLAPolicy",
]
