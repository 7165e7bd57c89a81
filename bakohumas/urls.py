from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from api.urls import api
from audit.views import audit_log
from members.urls import public_urlpatterns as member_public_urls
from ops.views import healthz

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="members:dashboard", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("", include("accounts.urls")),
    path("staf/", include("members.urls")),
    path("staf/audit/", audit_log, name="audit_log"),
    path("", include((member_public_urls, "public"))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
