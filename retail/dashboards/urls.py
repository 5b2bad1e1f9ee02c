"""``/dashboard/``: the role pages, their in-place actions, the scan-to-pick screen, the order hub,
the KPI dashboard, its drill-downs and the quarterly review."""

from django.urls import path

from .views import actions, hub, kpis, pages, scan

app_name = "dashboards"

urlpatterns = [
    path("", pages.index, name="index"),
    path("kpis/", kpis.kpi_dashboard, name="kpis"),
    path("kpis/export/", kpis.kpi_export, name="kpi_export"),
    path("kpis/<str:key>/rows/", kpis.kpi_drilldown, name="kpi_rows"),
    path("review/", kpis.kpi_review, name="kpi_review"),
    path("orders/<str:number>/", hub.order_hub, name="order_hub"),
    path("orders/<str:number>/confirm/", actions.order_confirm_view, name="order_confirm"),
    path("orders/<str:number>/start-picking/", actions.order_start_picking_view, name="order_start_picking"),
    path("orders/<str:number>/pack/", actions.order_pack_view, name="order_pack"),
    path("orders/<str:number>/ship/", actions.order_ship_view, name="order_ship"),
    path("orders/<str:number>/deliver/", actions.order_deliver_view, name="order_deliver"),
    path("orders/<str:number>/contact/", actions.order_contact_view, name="order_contact"),
    path("tickets/<int:pk>/reply/", actions.ticket_reply_view, name="ticket_reply"),
    path("batch-ship/", actions.batch_ship_view, name="batch_ship"),
    path("pick-lists/<int:pk>/scan/", scan.pick_scan, name="pick_scan"),
    path("<slug:role>/", pages.role_page, name="role"),
]
