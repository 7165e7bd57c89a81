from django.contrib import admin
from django.urls import include, path

from api.urls import api
from audit.views import audit_log
from broadcasts.urls import public_urlpatterns as broadcast_public_urls
from channels.webhooks import receive as channel_webhook
from factcheck.urls import public_urlpatterns as factcheck_public_urls
from inbox.urls import public_urlpatterns as inbox_public_urls
from members.urls import public_urlpatterns as member_public_urls
from ops.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", include("accounts.urls")),
    path("staf/", include("workqueue.urls")),
    path("staf/dasbor/", include("dashboards.urls")),
    path("staf/notifikasi/", include("notifications.urls")),
    path("staf/", include("members.urls")),
    path("staf/audit/", audit_log, name="audit_log"),
    path("staf/publikasi/", include("content.urls")),
    path("staf/pemilihan/", include("elections.urls")),
    path("staf/siaran/", include("broadcasts.urls")),
    path("staf/kanal/", include("channels.urls")),
    path("staf/kotak-masuk/", include("inbox.urls")),
    path("staf/cek-fakta/", include("factcheck.urls")),
    path("staf/profil-kantor/", include("portal.staff_urls")),
    path("webhooks/<uuid:channel_uuid>/", channel_webhook, name="channel_webhook"),
    path("", include((broadcast_public_urls, "broadcasts_public"))),
    path("", include((inbox_public_urls, "inbox_public"))),
    path("", include((factcheck_public_urls, "factcheck_public"))),
    path("", include((member_public_urls, "public"))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    # Last: /<office-slug>/… for every office's public portal, and the home office at /.
    path("", include("portal.urls")),
]
