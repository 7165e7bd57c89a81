from django.urls import path

from dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.own_dashboard, name="own"),
    path("<str:code>/", views.office_dashboard, name="office"),
]
