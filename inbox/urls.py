from django.urls import path

from inbox import views

app_name = "inbox"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("bertugas/", views.toggle_duty, name="toggle_duty"),
    path("balasan-tersimpan/", views.saved_reply_list, name="saved_reply_list"),
    path("balasan-tersimpan/baru/", views.saved_reply_edit, name="saved_reply_create"),
    path("balasan-tersimpan/<int:saved_pk>/", views.saved_reply_edit, name="saved_reply_edit"),
    path("<int:pk>/", views.conversation_detail, name="conversation_detail"),
    path("<int:pk>/pesan/", views.conversation_thread, name="conversation_thread"),
    path("<int:pk>/balas/", views.conversation_reply, name="conversation_reply"),
    path("<int:pk>/catatan/", views.conversation_note, name="conversation_note"),
    path("<int:pk>/tangani/", views.conversation_assign, name="conversation_assign"),
    path("<int:pk>/label/", views.conversation_tags, name="conversation_tags"),
    path("<int:pk>/tutup/", views.conversation_close, name="conversation_close"),
    path("<int:pk>/buka/", views.conversation_reopen, name="conversation_reopen"),
    path("<int:pk>/teruskan/", views.conversation_escalate, name="conversation_escalate"),
    path("<int:pk>/kembalikan/", views.conversation_return, name="conversation_return"),
    path("<int:pk>/hapus-tanda-banjir/", views.conversation_unflag, name="conversation_unflag"),
    path("<int:pk>/hubungkan-anggota/", views.conversation_link_member, name="conversation_link_member"),
    path("<int:pk>/media/<int:message_pk>/", views.message_media, name="message_media"),
]

public_urlpatterns = [
    path("<slug:office_slug>/kirim-pesan/", views.contact_form, name="contact"),
    path("<slug:office_slug>/lacak/", views.tracking, name="tracking"),
]
