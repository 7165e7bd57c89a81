from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("ringkasan/", views.dashboard, name="dashboard"),
    path("anggota/", views.member_list, name="member_list"),
    path("anggota/baru/", views.member_create, name="member_create"),
    path("anggota/ekspor.<str:fmt>", views.member_export, name="member_export"),
    path("anggota/<int:pk>/", views.member_detail, name="member_detail"),
    path("anggota/<int:pk>/ubah/", views.member_edit, name="member_edit"),
    path("anggota/<int:pk>/data-pribadi.json", views.member_export_json, name="member_export_json"),
    path("anggota/<int:pk>/hapus/", views.member_erase, name="member_erase"),
    path("anggota/<int:pk>/persetujuan/", views.consent_give, name="consent_give"),
    path("persetujuan/<int:pk>/tarik/", views.consent_withdraw, name="consent_withdraw"),
    path("alamat/<int:pk>/berhenti/", views.address_opt_out, name="address_opt_out"),
    path("alamat/<int:pk>/dapat-dihubungi/", views.address_reachable, name="address_reachable"),
    path("pendaftaran/", views.registration_list, name="registration_list"),
    path("pendaftaran/qr.svg", views.registration_qr, name="registration_qr"),
    path("pendaftaran/pengaturan/", views.registration_settings, name="registration_settings"),
    path("pendaftaran/<int:pk>/", views.registration_decide, name="registration_decide"),
    path("instansi/", views.organization_list, name="organization_list"),
    path("instansi/baru/", views.organization_create, name="organization_create"),
    path("instansi/<int:pk>/", views.organization_detail, name="organization_detail"),
    path("instansi/<int:pk>/ubah/", views.organization_edit, name="organization_edit"),
    path("grup/", views.group_list, name="group_list"),
    path("grup/baru/", views.group_create, name="group_create"),
    path("grup/<int:pk>/", views.group_detail, name="group_detail"),
    path("grup/<int:pk>/ubah/", views.group_edit, name="group_edit"),
    path("grup/<int:pk>/anggota/", views.group_membership, name="group_membership"),
    path("grup/<int:pk>/hapus/", views.group_delete, name="group_delete"),
    path("impor/", views.import_start, name="import_start"),
    path("impor/templat.csv", views.import_template, name="import_template"),
    path("impor/<int:pk>/", views.import_detail, name="import_detail"),
    path("impor/<int:pk>/progres/", views.import_progress, name="import_progress"),
    path("impor/<int:pk>/jalankan/", views.import_confirm, name="import_confirm"),
    path("impor/<int:pk>/batal/", views.import_cancel, name="import_cancel"),
    path("impor/<int:pk>/galat.csv", views.import_errors_csv, name="import_errors_csv"),
]

public_urlpatterns = [
    path("daftar/<str:token>/", views.self_register, name="self_register"),
]
