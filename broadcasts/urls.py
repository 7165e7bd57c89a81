from django.urls import path

from broadcasts import views

app_name = "broadcasts"
urlpatterns = [
    path("", views.broadcast_list, name="broadcast_list"),
    path("baru/", views.broadcast_create, name="broadcast_create"),
    path("pratinjau/", views.broadcast_preview, name="broadcast_preview"),
    path("tarif/", views.cost_settings, name="cost_settings"),
    path("<int:pk>/", views.broadcast_detail, name="broadcast_detail"),
    path("<int:pk>/ubah/", views.broadcast_edit, name="broadcast_edit"),
    path("<int:pk>/kemajuan/", views.broadcast_progress, name="broadcast_progress"),
    path("<int:pk>/aksi/<str:action>/", views.broadcast_action, name="broadcast_action"),
    path("<int:pk>/grup-whatsapp/", views.group_post, name="group_post"),
    path("<int:pk>/penerima/", views.delivery_list, name="delivery_list"),
    path("<int:pk>/penerima/<int:delivery_pk>/", views.delivery_detail, name="delivery_detail"),
]

public_urlpatterns = [
    path("berhenti/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
