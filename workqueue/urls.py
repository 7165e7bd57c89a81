from django.urls import path

from workqueue import views

app_name = "workqueue"
urlpatterns = [
    path("", views.home, name="home"),
    path("perlu-tindakan/lencana/", views.badges, name="badges"),
]
