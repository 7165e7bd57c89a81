"""Staff pages at /staf/cek-fakta/ ("factcheck"), and the public cek fakta pages, included in bakohumas/urls.py as
the "factcheck_public" namespace before the portal's catch-all."""

from django.urls import path

from factcheck import public, views
from factcheck.feeds import ClarificationFeed
from portal.caching import public_page

app_name = "factcheck"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("massal/", views.bulk, name="bulk"),
    path("tren/", views.trending, name="trending"),
    path("lapor/", views.report_create, name="report_create"),
    path("dari-pesan/<int:message_id>/", views.report_from_message, name="report_from_message"),
    path("impor/", views.import_external, name="import"),
    path("pengaturan/", views.settings_view, name="settings"),
    path("klaim/<int:pk>/", views.claim_detail, name="claim"),
    path("klaim/<int:pk>/ubah/", views.claim_update, name="claim_update"),
    path("klaim/<int:pk>/verifikator/", views.claim_assign, name="claim_assign"),
    path("klaim/<int:pk>/catatan/", views.claim_note, name="claim_note"),
    path("klaim/<int:pk>/jawab/", views.claim_answer, name="claim_answer"),
    path("klaim/<int:pk>/klarifikasi/", views.clarification_create, name="clarification_create"),
    path("klarifikasi/", views.clarification_list, name="clarification_list"),
    path("klarifikasi/<int:pk>/", views.clarification_detail, name="clarification"),
    path("klarifikasi/<int:pk>/ubah/", views.clarification_edit, name="clarification_edit"),
    path("klarifikasi/<int:pk>/ajukan/", views.clarification_submit, name="clarification_submit"),
    path("klarifikasi/<int:pk>/terbitkan/", views.clarification_publish, name="clarification_publish"),
    path("klarifikasi/<int:pk>/kembalikan/", views.clarification_return, name="clarification_return"),
    path("klarifikasi/<int:pk>/koreksi/", views.clarification_correct, name="clarification_correct"),
    path("klarifikasi/<int:pk>/tarik/", views.clarification_withdraw, name="clarification_withdraw"),
    path("klarifikasi/<int:pk>/usulan/setujui/", views.clarification_change_approve,
         name="clarification_change_approve"),
    path("klarifikasi/<int:pk>/usulan/tolak/", views.clarification_change_reject, name="clarification_change_reject"),
    path("klarifikasi/<int:pk>/siarkan/", views.clarification_broadcast, name="clarification_broadcast"),
]

public_urlpatterns = [
    path("<slug:office_slug>/cek-fakta/", public.clarification_list, name="clarifications"),
    path("<slug:office_slug>/cek-fakta/feed.rss", public_page(ClarificationFeed()),
         name="clarification_feed"),
    path("<slug:office_slug>/cek-fakta/<slug:slug>/", public.clarification_detail, name="clarification"),
    path("<slug:office_slug>/lapor-hoaks/", public.report_form, name="report_form"),
    path("<slug:office_slug>/lapor-hoaks/lacak/", public.report_tracking, name="report_tracking"),
]
