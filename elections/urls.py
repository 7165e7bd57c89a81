from django.urls import path

from elections import views

app_name = "elections"

urlpatterns = [
    path("", views.election_list, name="election_list"),
    path("baru/", views.election_create, name="election_create"),
    path("<int:pk>/", views.election_detail, name="election_detail"),
    path("<int:pk>/ubah/", views.election_edit, name="election_edit"),
    path("<int:pk>/kalender.ics", views.election_ics, name="election_ics"),
    path("<int:pk>/tahapan/baru/", views.stage_create, name="stage_create"),
    path("<int:pk>/tahapan/impor/", views.stage_import, name="stage_import"),
    path("<int:pk>/tahapan/impor/simpan/", views.stage_import_confirm, name="stage_import_confirm"),
    path("tahapan/<int:pk>/ubah/", views.stage_edit, name="stage_edit"),
    path("tahapan/<int:pk>/hapus/", views.stage_delete, name="stage_delete"),
]
