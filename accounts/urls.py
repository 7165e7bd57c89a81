from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("masuk/", views.login_view, name="login"),
    path("masuk/kode/", views.login_otp, name="login_otp"),
    path("keluar/", views.logout_view, name="logout"),
    path("staf/akun/keamanan/", views.security, name="security"),
    path("staf/akun/kata-sandi/", views.password_change, name="password_change"),
    path("staf/akun/token/<int:pk>/cabut/", views.token_revoke, name="token_revoke"),
    path("staf/pengguna/", views.staff_list, name="staff_list"),
    path("staf/pengguna/baru/", views.staff_create, name="staff_create"),
    path("staf/pengguna/<int:pk>/", views.staff_edit, name="staff_edit"),
    path("staf/pengguna/<int:pk>/token/", views.token_create, name="token_create"),
    path("staf/pengguna/<int:pk>/atur-ulang-sandi/", views.staff_reset_password, name="staff_reset_password"),
]
