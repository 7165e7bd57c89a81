from django import forms
from django.utils.translation import gettext_lazy as _

URL_ATTRS = {"inputmode": "url", "autocomplete": "url", "placeholder": "https://"}


def _link(label, help_text=""):
    # Plain text: offices.services.clean_profile checks the link and says what is wrong in Indonesian.
    return forms.CharField(label=label, required=False, max_length=500, help_text=help_text,
                           widget=forms.TextInput(attrs=URL_ATTRS))


class OfficeProfileForm(forms.Form):
    """The office's public contact profile, shown on its Kontak page and in every portal footer."""

    contact_address = forms.CharField(
        label=_("Alamat kantor"), required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}))
    contact_phone = forms.CharField(
        label=_("Telepon kantor"), required=False, max_length=30,
        help_text=_("Nomor Indonesia, mis. (0351) 462300 atau 0812-3456-7890."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    contact_email = forms.CharField(
        label=_("E-mail kantor"), required=False, max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    service_hours = forms.CharField(
        label=_("Jam layanan"), required=False, max_length=120,
        help_text=_("Seperti yang dibaca warga, mis. “Senin–Jumat 08.00–16.00 WIB”. Bila kosong, portal menampilkan "
                    "jam layanan yang dipakai balasan otomatis."))
    map_url = _link(_("Tautan peta"), _("Alamat web peta kantor (Google Maps, OpenStreetMap). Portal hanya "
                                        "menampilkan tautannya, tanpa peta tertanam."))
    instagram_url = _link("Instagram")
    facebook_url = _link("Facebook")
    x_url = _link(_("X (Twitter)"))
    youtube_url = _link("YouTube")
    tiktok_url = _link("TikTok")
