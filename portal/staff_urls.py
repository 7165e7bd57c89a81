from django.urls import path

from portal import staff

app_name = "portal_staff"

urlpatterns = [
    path("", staff.office_profile, name="profile"),
]
