from django.urls import path

from content import views

app_name = "content"

urlpatterns = [
    path("", views.publication_list, name="publication_list"),
    path("baru/", views.publication_create, name="publication_create"),
    path("<int:pk>/", views.publication_detail, name="publication_detail"),
    path("<int:pk>/ubah/", views.publication_edit, name="publication_edit"),
    path("<int:pk>/pratinjau/", views.publication_preview, name="publication_preview"),
    path("<int:pk>/ajukan/", views.publication_submit, name="publication_submit"),
    path("<int:pk>/kembalikan/", views.publication_return, name="publication_return"),
    path("<int:pk>/terbitkan/", views.publication_publish, name="publication_publish"),
    path("<int:pk>/perubahan/setujui/", views.change_approve, name="change_approve"),
    path("<int:pk>/perubahan/tolak/", views.change_reject, name="change_reject"),
    path("<int:pk>/arsipkan/", views.publication_archive, name="publication_archive"),
    path("<int:pk>/keluarkan-dari-arsip/", views.publication_unarchive, name="publication_unarchive"),
    path("<int:pk>/hapus/", views.publication_delete, name="publication_delete"),
    path("<int:pk>/revisi/", views.revision_list, name="revision_list"),
    path("<int:pk>/revisi/<int:number>/pulihkan/", views.revision_restore, name="revision_restore"),
    path("<int:pk>/lampiran/", views.attachment_add, name="attachment_add"),
    path("<int:pk>/lampiran/<int:attachment_pk>/", views.attachment_download, name="attachment_download"),
    path("<int:pk>/lampiran/<int:attachment_pk>/hapus/", views.attachment_remove, name="attachment_remove"),
    path("<int:pk>/sampul/", views.cover_set, name="cover_set"),
    path("<int:pk>/sampul/gambar/", views.cover_image, name="cover_image"),
    path("<int:pk>/sampul/hapus/", views.cover_remove, name="cover_remove"),
]
