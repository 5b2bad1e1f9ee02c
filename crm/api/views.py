from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from crm import selectors, services
from retail.api.base import ApiView, GenericViewSet
from retail.api.idempotency import idempotent
from retail.api.permissions import is_manager
from retail.api.schema import IDEMPOTENCY_KEY, ErrorSerializer, links
from retail.errors import ValidationError

from .filters import CouponFilter, CustomerFilter, TicketFilter
from .serializers import (
    CouponSerializer,
    CustomerSerializer,
    RecommendationSerializer,
    SurveyAnswerSerializer,
    SurveyResultSerializer,
    TicketCloseSerializer,
    TicketDetailSerializer,
    TicketEscalateSerializer,
    TicketReplyInputSerializer,
    TicketResolveSerializer,
    TicketSerializer,
)

CUSTOMER_SERVICE_ROLE = "customer_service"


@extend_schema(tags=["crm"])
class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Customers across channels, with their figures (valid orders) and RFM segment."""

    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    ordering_fields = ["created_at", "name", "order_count", "total_spent", "last_order_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    required_perms = {
        "list": ("crm.view_customer",),
        "retrieve": ("crm.view_customer",),
        "create": ("crm.add_customer",),
        "partial_update": ("crm.change_customer",),
        "recommendations": ("crm.view_customer", "catalog.view_sku"),
    }

    def get_queryset(self):
        return selectors.customer_list()

    def _respond(self, customer, status_code=status.HTTP_200_OK):
        return Response(
            CustomerSerializer(selectors.customer_get(customer_id=customer.pk)).data, status=status_code
        )

    @extend_schema(
        summary="Create a customer (409 `customer_exists` when the phone or email is taken)",
        request=CustomerSerializer,
        responses={201: CustomerSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @idempotent
    def create(self, request):
        body = CustomerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        customer = services.customer_create(by=request.user, **body.validated_data)
        return self._respond(customer, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a customer (only the fields given)",
        request=CustomerSerializer,
        responses={200: CustomerSerializer},
    )
    def partial_update(self, request, pk=None):
        customer = self.get_object()
        body = CustomerSerializer(customer, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        customer = services.customer_update(customer=customer, by=request.user, **body.validated_data)
        return self._respond(customer)

    @extend_schema(
        summary="SKUs to recommend to the customer, best first",
        parameters=[OpenApiParameter("limit", int, description="At most this many (1..50, default 10)")],
        responses={200: RecommendationSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def recommendations(self, request, pk=None):
        raw = request.query_params.get("limit", "10")
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= 50:
            raise ValidationError("limit must be 1..50.", details={"limit": ["integer 1..50"]})
        found = selectors.recommendations_for_customer(customer=self.get_object(), limit=int(raw))
        return Response(RecommendationSerializer(found, many=True).data)


def _ticket_action(name: str, body_serializer, summary: str, service):
    def run(self, request, pk=None):
        body = body_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        service(ticket=self.get_object(), by=request.user, **body.validated_data)
        return Response(TicketDetailSerializer(self._detail_queryset().get(pk=pk)).data)

    run.__name__ = name
    return extend_schema(
        summary=summary,
        request=body_serializer,
        responses={200: TicketDetailSerializer, 409: ErrorSerializer},
    )(action(detail=True, methods=["post"])(run))


@extend_schema(tags=["crm"])
class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Service tickets with their SLA (first response and resolution due, ``breached``).

    Customer service staff see the tickets they own and the unassigned ones of their groups (or of
    no group); managers and the other roles with the view permission see all."""

    filterset_class = TicketFilter
    ordering_fields = ["created_at", "first_response_due", "resolution_due", "priority", "id"]
    required_perms = {
        "list": ("crm.view_ticket",),
        "retrieve": ("crm.view_ticket",),
        "create": ("crm.add_ticket",),
        **{name: ("crm.change_ticket",) for name in ("reply", "escalate", "resolve", "close")},
    }

    def get_serializer_class(self):
        return TicketSerializer if self.action == "list" else TicketDetailSerializer

    def get_queryset(self):
        qs = selectors.ticket_list()
        if self.action != "list":
            qs = qs.prefetch_related("replies__author")
        return self._scoped(qs)

    def _detail_queryset(self):
        return selectors.ticket_list().prefetch_related("replies__author")

    def _scoped(self, qs):
        user = self.request.user
        if (
            not user.is_authenticated
            or is_manager(user)
            or not user.groups.filter(name=CUSTOMER_SERVICE_ROLE).exists()
        ):
            return qs
        return qs.filter(
            Q(owner=user)
            | Q(owner__isnull=True, group__isnull=True)
            | Q(owner__isnull=True, group__in=user.groups.all())
        )

    @extend_schema(
        summary="Open a ticket (SLA due times from its priority)",
        request=TicketSerializer,
        responses={201: TicketDetailSerializer},
        parameters=[IDEMPOTENCY_KEY],
        extensions=links(
            201,
            {"id": "$response.body#/id"},
            "crm_tickets_retrieve",
            *(f"crm_tickets_{name}_create" for name in ("reply", "escalate", "resolve", "close")),
        ),
    )
    @idempotent
    def create(self, request):
        body = TicketSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ticket = services.ticket_create(by=request.user, **body.validated_data)
        return Response(
            TicketDetailSerializer(self._detail_queryset().get(pk=ticket.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    reply = _ticket_action(
        "reply",
        TicketReplyInputSerializer,
        "Reply to the customer (the first reply stamps first_response_at)",
        services.ticket_reply,
    )
    escalate = _ticket_action(
        "escalate",
        TicketEscalateSerializer,
        "Escalate to another owner and/or group (the state stays)",
        services.ticket_escalate,
    )
    resolve = _ticket_action(
        "resolve", TicketResolveSerializer, "Resolve (in_progress → resolved)", services.ticket_resolve
    )
    close = _ticket_action("close", TicketCloseSerializer, "Close (resolved → closed)", services.ticket_close)


@extend_schema(tags=["crm"])
class CouponViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, GenericViewSet):
    """Care coupons: for one customer, one RFM segment, or everyone."""

    serializer_class = CouponSerializer
    filterset_class = CouponFilter
    ordering_fields = ["issued_at", "code", "valid_to"]
    required_perms = {"list": ("crm.view_coupon",), "create": ("crm.add_coupon",)}

    def get_queryset(self):
        return selectors.coupon_list()

    def perform_create(self, serializer):
        coupon = services.coupon_issue(by=self.request.user, **serializer.validated_data)
        serializer.instance = selectors.coupon_list().get(pk=coupon.pk)


@extend_schema(tags=["crm"])
class SurveyAnswerView(ApiView):
    """A customer's answers to a satisfaction survey: public (the token is the credential), single use."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        summary="Submit survey answers (public, single use)",
        description="404 for an unknown token, 409 `survey_already_answered` for a second answer.",
        request=SurveyAnswerSerializer,
        responses={201: SurveyResultSerializer, 404: ErrorSerializer, 409: ErrorSerializer},
        auth=[],
    )
    def post(self, request, token):
        body = SurveyAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        response = services.survey_submit(token=token, **body.validated_data)
        return Response(SurveyResultSerializer(response).data, status=status.HTTP_201_CREATED)
