"""``/api/kpis/``: every KPI of a period, one KPI's drill-down rows, the daily snapshot series.
Managers and superusers only (``kpi.view_kpis``). The figures are read from the replica when there
is one (retail/replica.py); the login and permission checks before them from the primary."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from retail.api.base import ApiView
from retail.api.pagination import PageNumberPagination
from retail.errors import NotFound
from retail.replica import reading_replica

from ..compute import Filters, Period, kpi_figures, plain
from ..registry import kpi_get
from ..selectors import kpi_row_out, kpi_rows, kpi_snapshot_series
from .serializers import (
    KpiFigureSerializer,
    KpiListSerializer,
    KpiRowPageSerializer,
    KpiRowSerializer,
    PeriodQuerySerializer,
    SnapshotQuerySerializer,
    SnapshotSeriesSerializer,
)

VIEW_KPIS = ("kpi.view_kpis",)


def _query(request, serializer_class=PeriodQuerySerializer) -> dict:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


def _period_and_filters(data) -> tuple[Period, Filters]:
    return (
        Period(data["from"], data["to"], timezone.now()),
        Filters(channel=data.get("channel") or None, warehouse=data.get("warehouse") or None),
    )


def _figure_out(figure: dict) -> dict:
    return {**figure, "numerator": plain(figure["numerator"]), "denominator": plain(figure["denominator"])}


@extend_schema(tags=["kpis"])
class KpiListView(ApiView):
    required_perms = {"get": VIEW_KPIS}

    @extend_schema(
        summary="Every KPI for a period (docs/kpis.md)",
        parameters=[PeriodQuerySerializer],
        responses={200: KpiListSerializer},
    )
    @reading_replica()
    def get(self, request):
        data = _query(request)
        period, filters = _period_and_filters(data)
        figures = [_figure_out(f) for f in kpi_figures(period=period, filters=filters)]
        body = {
            "from": data["from"],
            "to": data["to"],
            "channel": filters.channel,
            "warehouse": filters.warehouse,
            "results": KpiFigureSerializer(figures, many=True).data,
        }
        return Response(KpiListSerializer(body).data)


@extend_schema(tags=["kpis"])
class KpiRowsView(ApiView):
    required_perms = {"get": VIEW_KPIS}
    pagination_class = PageNumberPagination

    @extend_schema(
        summary="Drill-down: the rows counted in a KPI's numerator and denominator",
        parameters=[
            PeriodQuerySerializer,
            OpenApiParameter("key", str, OpenApiParameter.PATH, description="A KPI key."),
            OpenApiParameter("page", int, description="Page number."),
            OpenApiParameter("page_size", int, description="Rows per page, at most 100."),
        ],
        responses={200: KpiRowPageSerializer},
    )
    @reading_replica()
    def get(self, request, key):
        kpi = kpi_get(key)
        if kpi is None:
            raise NotFound(f"Unknown KPI {key}.")
        period, filters = _period_and_filters(_query(request))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(kpi_rows(kpi, period=period, filters=filters), request, view=self)
        rows = [kpi_row_out(kpi, row) for row in page]
        for row in rows:
            row["numerator"], row["denominator"] = plain(row["numerator"]), plain(row["denominator"])
        return paginator.get_paginated_response(KpiRowSerializer(rows, many=True).data)


@extend_schema(tags=["kpis"])
class KpiSnapshotView(ApiView):
    required_perms = {"get": VIEW_KPIS}

    @extend_schema(
        summary="The daily snapshot series of one KPI (all, one channel or one warehouse)",
        parameters=[SnapshotQuerySerializer],
        responses={200: SnapshotSeriesSerializer},
    )
    @reading_replica()
    def get(self, request):
        data = _query(request, SnapshotQuerySerializer)
        _, filters = _period_and_filters(data)
        scope, scope_value = filters.scope
        points = kpi_snapshot_series(
            key=data["key"], date_from=data["from"], date_to=data["to"], filters=filters
        )
        body = {"key": data["key"], "scope": scope, "scope_value": scope_value, "results": points}
        return Response(SnapshotSeriesSerializer(body).data)
