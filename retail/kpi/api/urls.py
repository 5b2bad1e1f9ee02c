from django.urls import path

from .views import KpiListView, KpiRowsView, KpiSnapshotView

urlpatterns = [
    path("", KpiListView.as_view(), name="kpi-list"),
    path("snapshots/", KpiSnapshotView.as_view(), name="kpi-snapshots"),
    path("<str:key>/rows/", KpiRowsView.as_view(), name="kpi-rows"),
]
