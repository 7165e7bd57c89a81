"""Cek fakta on the public portal: the office's clarifications (list, page, RSS), the "Lapor hoaks" form and the
report-number lookup. Validation of a report is in factcheck.services; spam protection is the inbox contact form's."""

import json
import zoneinfo
from urllib.parse import urlencode, urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from django.views.decorators.http import require_http_methods, require_safe

from bakohumas import spamguard
from bakohumas.forms import add_service_errors
from bakohumas.spamguard import SpamSuspected
from content.rendering import render_markdown
from factcheck import selectors, services
from factcheck.models import Clarification, Report, Verdict
from inbox.public import body_limited
from lib.contacts import AddressError, clean_plain_text, normalize_address
from lib.http import client_ip
from offices.models import Office
from ops.services import throttle_exceeded
from portal.caching import public_page
from portal.views import office_from_slug, render_office_page

PAGE_SIZE = 20
MAX_QUERY_WORDS = 8
REPORTS_PER_IP_PER_HOUR = 10
REPORT_FORM_SALT = "factcheck.report-form"
LOOKUPS_PER_IP_PER_HOUR = 60
HOUR = timezone.timedelta(hours=1)
UNKNOWN_AUTHOR = "Pesan berantai"
# schema.org Rating: 1 = false ... 5 = true, as the Google fact-check guidelines read it.
RATING_VALUES = {
    Verdict.FALSE: 1, Verdict.MANIPULATED: 1, Verdict.FALSE_CONTEXT: 2, Verdict.MISLEADING: 2,
    Verdict.SATIRE: 3, Verdict.UNVERIFIED: 3, Verdict.TRUE: 5,
}
JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def listed(office: Office) -> QuerySet[Clarification]:
    """What the office lists: published clarifications, newest first (withdrawn ones are reachable, not listed)."""
    return selectors.published(office).filter(status=Clarification.Status.PUBLISHED).order_by("-published_at", "-pk")


def _ip(request) -> str:
    return client_ip(request.META, trusted_proxies=settings.TRUSTED_PROXY_COUNT) or "unknown"


def page_url(clarification: Clarification) -> str:
    """The clarification's page on its own office's portal (imported ones too: the page attributes them)."""
    return reverse("factcheck_public:clarification", args=[clarification.office.slug, clarification.slug])


def _http_url(url: str) -> str:
    return url if urlsplit(url or "").scheme in ("http", "https") else ""


# Clarifications ------------------------------------------------------------------------------------------------

@require_safe
@public_page
def clarification_list(request, office_slug: str) -> HttpResponse:
    office = office_from_slug(office_slug)
    search = " ".join(request.GET.get("q", "").replace("\x00", "").split())[:200]
    verdict = request.GET.get("putusan", "")
    verdict = verdict if verdict in Verdict.values else ""
    items = listed(office)
    for word in search.split()[:MAX_QUERY_WORDS]:
        items = items.filter(Q(claim_reviewed__icontains=word) | Q(summary__icontains=word))
    if verdict:
        items = items.filter(verdict=verdict)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("halaman"))
    filters = urlencode({k: v for k, v in (("q", search), ("putusan", verdict)) if v})
    return render_office_page(request, office, "factcheck/public_list.html", {
        "page": page, "search": search, "verdict": verdict, "verdicts": Verdict.choices, "filters": filters,
    }, title=_("Cek fakta") + f" · {office.name}",
        description=_("Klarifikasi %(office)s atas kabar dan pesan berantai tentang pemilihan.") % {
            "office": office.name})


@require_safe
@public_page
def clarification_detail(request, office_slug: str, slug: str) -> HttpResponse:
    office = office_from_slug(office_slug)
    clarification = selectors.published(office).filter(slug=slug).select_related("office", "claim").first()
    if clarification is None:
        raise Http404
    withdrawn = clarification.status == Clarification.Status.WITHDRAWN
    verdict = clarification.get_verdict_display()
    context = {
        "clarification": clarification, "withdrawn": withdrawn,
        "body_html": mark_safe(render_markdown(clarification.body)),  # noqa: S308 - sanitised by nh3
        "evidence": [url for url in (_http_url(str(e)) for e in clarification.evidence or []) if url],
        "item_reviewed_url": _http_url(clarification.item_reviewed_url),
        "external_url": _http_url(clarification.external_url),
        "corrections": list(clarification.corrections.all()),
        "json_ld": "" if withdrawn else claim_review_json(clarification, settings.SITE_URL + request.path),
    }
    title = (_("Ditarik") if withdrawn else verdict) + f": {clarification.claim_reviewed}"
    return render_office_page(request, office, "factcheck/public_detail.html", context, title=title,
                              description=clarification.summary)


def claim_review_json(clarification: Clarification, url: str) -> SafeString:
    """schema.org ClaimReview, safe inside <script type="application/ld+json"> (no "<" survives)."""
    office = clarification.office
    with override("id"):
        label = clarification.external_rating or str(clarification.get_verdict_display())
    if clarification.is_external:
        # An imported fact-check is the publisher's work, not the office's.
        author = {"@type": "Organization", "name": clarification.external_publisher,
                  "url": _http_url(clarification.external_url)}
    else:
        author = {"@type": "Organization", "name": office.name,
                  "url": settings.SITE_URL + reverse("portal:office_home", args=[office.slug])}
    item: dict = {"@type": "Claim", "author": {"@type": "Organization", "name": UNKNOWN_AUTHOR}}
    if clarification.claim_id and clarification.claim.first_reported_at:
        item["datePublished"] = _local_date(clarification.claim.first_reported_at, office)
    if _http_url(clarification.item_reviewed_url):
        item["appearance"] = {"@type": "CreativeWork", "url": clarification.item_reviewed_url}
    data = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": clarification.claim_reviewed,
        "reviewRating": {"@type": "Rating", "alternateName": label,
                         "ratingValue": RATING_VALUES.get(clarification.verdict, 3),
                         "bestRating": 5, "worstRating": 1},
        "author": author,
        "datePublished": _local_date(clarification.published_at, office),
        "itemReviewed": item,
        "inLanguage": "id",
    }
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(JSON_ESCAPES))  # noqa: S308 - escaped


def _local_date(moment, office: Office) -> str:
    return timezone.localtime(moment, zoneinfo.ZoneInfo(office.timezone)).date().isoformat()


# Lapor hoaks ---------------------------------------------------------------------------------------------------

class PublicReportForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Isi pesan atau kabar yang ingin diperiksa"), required=False,
        help_text=gettext_lazy("Tempelkan pesan yang beredar apa adanya. Isi teks, tautan, atau tangkapan layar; "
                               "salah satu cukup."),
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": services.MAX_TEXT}))
    url = forms.CharField(label=gettext_lazy("Tautan (bila ada)"), required=False, widget=forms.TextInput(
        attrs={"inputmode": "url", "autocomplete": "off", "placeholder": "https://"}))
    media = forms.FileField(label=gettext_lazy("Tangkapan layar (bila ada)"), required=False,
                            help_text=gettext_lazy("Gambar JPEG, PNG, WebP atau GIF, paling besar 10 MB."),
                            widget=forms.FileInput(attrs={"accept": "image/*",
                                                          "data-max-bytes": services.MAX_MEDIA_BYTES}))
    name = forms.CharField(label=gettext_lazy("Nama (tidak wajib)"), required=False, max_length=150,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    contact = forms.CharField(
        label=gettext_lazy("Nomor WhatsApp atau e-mail (tidak wajib)"), required=False, max_length=254,
        help_text=gettext_lazy("Hanya dipakai untuk mengirim hasil pemeriksaan laporan ini, dan hanya bila kotak "
                               "persetujuan di bawah dicentang. Tanpa kontak, pantau hasilnya dengan nomor laporan."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}))
    consent = forms.BooleanField(
        label=gettext_lazy("Saya setuju dihubungi untuk menerima hasil pemeriksaan laporan ini"), required=False)
    website = forms.CharField(label=gettext_lazy("Biarkan kosong"), required=False, widget=forms.TextInput(
        attrs={"tabindex": "-1", "class": "hp", "autocomplete": "off"}))
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_name(self) -> str:
        return clean_plain_text(self.cleaned_data["name"], max_length=150, label=_("Nama"), required=False)

    def clean(self) -> dict:
        data = super().clean()
        raw = (data.get("contact") or "").strip()
        data["notify_address"] = ""
        # UU 27/2022: a contact given without the consent is not kept (nor checked).
        data["contact_dropped"] = bool(raw) and not data.get("consent")
        if raw and data.get("consent"):
            kind = "mailto" if "@" in raw else "whatsapp"
            value = raw.split(":", 1)[1] if raw.lower().startswith(("mailto:", "whatsapp:")) else raw
            try:
                data["notify_address"] = f"{kind}:{normalize_address(kind, value)}"
            except AddressError as exc:
                self.add_error("contact", str(exc))
        return data


def _fresh_token() -> dict:
    return {"started": spamguard.form_token(REPORT_FORM_SALT)}


def _guard(request, office: Office, data: dict) -> None:
    """The inbox contact form's protection: honeypot, signed fill-time token, then a per-IP limit."""
    spamguard.check(data, salt=REPORT_FORM_SALT)
    if throttle_exceeded(scope=f"lapor-hoaks:{office.pk}", key=_ip(request), limit=REPORTS_PER_IP_PER_HOUR,
                         window=HOUR):
        raise ValidationError(_("Terlalu banyak laporan dari jaringan ini. Coba lagi dalam satu jam."))


# A screenshot at its limit, plus the text fields (4,096 characters even all emoji and percent-encoded) and the
# multipart framing.
REPORT_FORM_MAX_BODY = services.MAX_MEDIA_BYTES + 256 * 1024


def _report_too_large(request, declared: int, office_slug: str) -> HttpResponse:
    office = office_from_slug(office_slug)
    message = _("Kiriman terlalu besar (%(size)s MB). Tangkapan layar paling besar 10 MB: pilih gambar yang lebih "
                "kecil lalu kirim lagi. Tombol Kembali di peramban biasanya memulihkan isian Anda.") % {
        "size": max(1, round(declared / (1024 * 1024)))}
    return _report_page(request, office, PublicReportForm(initial=_fresh_token()), reselect=False,
                        too_large=message, status=413)


@require_http_methods(["GET", "HEAD", "POST"])
@body_limited(REPORT_FORM_MAX_BODY, _report_too_large)
def report_form(request, office_slug: str) -> HttpResponse:
    office = office_from_slug(office_slug)
    form = PublicReportForm(request.POST or None, request.FILES or None, initial=_fresh_token())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _guard(request, office, data)
            report = services.submit_report(
                office=office, source=Report.Source.PORTAL, text=data["text"], url=data["url"],
                media=data["media"], reporter_name=data["name"], notify_address=data["notify_address"])
        except SpamSuspected:
            return _done(request, office, None, contact_dropped=False)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, office, report, contact_dropped=data["contact_dropped"])
    return _report_page(request, office, form, reselect=form.is_bound and bool(request.FILES.get("media")))


def _report_page(request, office: Office, form: PublicReportForm, *, reselect: bool, too_large: str = "",
                 status: int = 200) -> HttpResponse:
    response = render_office_page(request, office, "factcheck/public_report.html", {
        "form": form, "reselect_file": reselect, "too_large": too_large,
        "tracking_url": reverse("factcheck_public:report_tracking", args=[office.slug])},
        title=_("Lapor hoaks") + f" · {office.name}",
        description=_("Laporkan kabar atau pesan berantai tentang pemilihan yang Anda ragukan kepada %(office)s.")
        % {"office": office.name})
    response.status_code = status
    response["Cache-Control"] = "no-store"
    return response


def _done(request, office: Office, report: Report | None, *, contact_dropped: bool) -> HttpResponse:
    answer = report.answered_with if report and report.status == Report.Status.ANSWERED else None
    response = render_office_page(request, office, "factcheck/public_report_done.html", {
        "report": report, "answer": answer, "answer_url": page_url(answer) if answer else "",
        "contact_dropped": contact_dropped}, title=_("Laporan terkirim") + f" · {office.name}")
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def report_tracking(request, office_slug: str) -> HttpResponse:
    office = office_from_slug(office_slug)
    raw = request.GET.get("nomor", "")[:40]
    number = "".join(raw.upper().split())
    found, error = None, ""
    if number:
        if throttle_exceeded(scope="lapor-hoaks-lacak", key=_ip(request), limit=LOOKUPS_PER_IP_PER_HOUR,
                             window=HOUR):
            error = _("Terlalu banyak pencarian dari jaringan ini. Coba lagi dalam satu jam.")
        else:
            # Only the office's own reports: a number from another office is "not found".
            found = (Report.objects.filter(office=office, tracking_number=number)
                     .select_related("answered_with__office").first())
            if found is None:
                error = _("Nomor laporan %(number)s tidak ditemukan. Periksa penulisannya (mis. CEK-7KQ2-M9XD).") % {
                    "number": raw}
    answer = found.answered_with if found and found.status == Report.Status.ANSWERED else None
    response = render_office_page(request, office, "factcheck/public_tracking.html", {
        "number": raw, "found": found, "error": error, "answer": answer,
        "answer_url": page_url(answer) if answer else ""},
        title=_("Lacak laporan hoaks") + f" · {office.name}")
    response["Cache-Control"] = "no-store"
    return response
