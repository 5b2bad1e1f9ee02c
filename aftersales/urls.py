from django.urls import path

from . import views

app_name = "aftersales"

urlpatterns = [
    path("", views.request_page, name="request"),
    path("<str:token>/", views.order_page, name="order"),
]
