from django.urls import path

from channels import views

app_name = "channels"
urlpatterns = [
    path("", views.channel_list, name="channel_list"),
    path("pengaturan/", views.sending_settings, name="sending_settings"),
    path("baru/<str:kind>/", views.channel_create, name="channel_create"),
    path("<int:pk>/", views.channel_detail, name="channel_detail"),
    path("<int:pk>/ubah/", views.channel_edit, name="channel_edit"),
    path("<int:pk>/status/", views.channel_toggle, name="channel_toggle"),
    path("<int:pk>/pesan-masuk/coba-lagi/", views.channel_retry_routing, name="channel_retry_routing"),
    path("<int:pk>/uji/", views.channel_test, name="channel_test"),
    path("<int:pk>/terima/", views.channel_receive, name="channel_receive"),
    path("<int:pk>/webhook/", views.channel_register_webhook, name="channel_register_webhook"),
    path("<int:pk>/templat/baru/", views.template_edit, name="template_create"),
    path("<int:pk>/templat/<int:template_pk>/", views.template_edit, name="template_edit"),
]
