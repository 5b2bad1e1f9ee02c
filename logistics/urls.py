from django.urls import path

from . import views

app_name = "logistics"

urlpatterns = [
    path("outbound-notes/<str:number>/print/", views.outbound_note_print, name="outbound_note_print"),
    path("pick-lists/<int:pk>/print/", views.pick_list_print, name="pick_list_print"),
]
