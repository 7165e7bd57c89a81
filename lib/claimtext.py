"""Indonesian chain-message text as the claim matcher sees it: slang and abbreviations spelled out, links
canonicalised (tracking parameters dropped), repeated letters squeezed, stop words out, Sastrawi stems with
election words kept."""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lib.indonesian import normalize, stem

URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"']+")
# A link written without a scheme ("wa.me/62812…", "bantuan2026.com"), as chain messages do once defanged.
BARE_DOMAIN = re.compile(
    r"(?i)(?<![\w@./-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?:com|net|org|info|biz|xyz|site|online|top|club|live|link|click|me|ly|io|co|id|app|shop|store|icu|vip|"
    r"go\.id|co\.id|or\.id|ac\.id|web\.id|my\.id|sch\.id|net\.id|biz\.id)\b(?:/[^\s<>\"']*)?")
# Fact-checkers and chain messages "defang" links so they cannot be clicked: hxxp://, wa[dot]me, x[.]id, a(dot)b.
DEFANGED = [
    (re.compile(r"(?i)\bhxxp(s?)(?:\[:\]|:)//"), r"http\1://"),
    (re.compile(r"(?i)\bhxxp(s?)\b"), r"http\1"),
    (re.compile(r"(?i)\s?(?:\[\s*(?:dot|titik|\.)\s*\]|\(\s*(?:dot|titik|\.)\s*\)|\{\s*(?:dot|\.)\s*\})\s?"), "."),
    (re.compile(r"(?i)\[:\]"), ":"),
    (re.compile(r"(?i)\[/\]"), "/"),
]
TOKEN = re.compile(r"[0-9a-z]+")
TRACKING_PARAMETERS = re.compile(r"^(utm_[a-z]+|fbclid|gclid|igshid|si|mc_cid|mc_eid|ref|ref_src|s|feature)$")

# Informal spellings in WhatsApp chain messages → the word a clarification would use.
SLANG = {
    "yg": "yang", "dg": "dengan", "dgn": "dengan", "tdk": "tidak", "gak": "tidak", "ga": "tidak", "gk": "tidak",
    "nggak": "tidak", "ngga": "tidak", "enggak": "tidak", "tak": "tidak", "kagak": "tidak", "ora": "tidak",
    "udh": "sudah", "udah": "sudah", "sdh": "sudah", "dah": "sudah", "blm": "belum", "blum": "belum",
    "bgt": "banget", "krn": "karena", "karna": "karena", "kpn": "kapan", "gmn": "bagaimana", "gimana": "bagaimana",
    "bener": "benar", "bnr": "benar", "emang": "memang", "emg": "memang", "aja": "saja", "aj": "saja",
    "jd": "jadi", "jdi": "jadi", "tp": "tapi", "tpi": "tapi", "utk": "untuk", "untk": "untuk", "buat": "untuk",
    "sm": "sama", "sy": "saya", "aku": "saya", "gw": "saya", "gue": "saya", "km": "kamu", "lu": "kamu",
    "kalo": "kalau", "klo": "kalau", "klu": "kalau", "bs": "bisa", "bsa": "bisa", "org": "orang", "orng": "orang",
    "skrg": "sekarang", "skrng": "sekarang", "sblm": "sebelum", "stlh": "setelah", "trs": "terus", "lg": "lagi",
    "dr": "dari", "dri": "dari", "pd": "pada", "thd": "terhadap", "ttg": "tentang", "spt": "seperti",
    "msh": "masih", "mau": "akan", "bakal": "akan", "bkl": "akan", "dpt": "dpt", "hrs": "harus", "wajib": "wajib",
    "hoax": "hoaks", "hoak": "hoaks", "coblos": "coblos", "nyoblos": "coblos", "nyontreng": "contreng",
    "ktp": "ktp", "ektp": "ktp", "e-ktp": "ktp", "ketepe": "ktp", "pemilihan": "pemilihan", "pilpres": "pilpres",
    "pemilu2024": "pemilu", "pileg": "pileg", "presiden": "presiden", "wapres": "wakil presiden",
    "kpps": "kpps", "tps": "tps", "duit": "uang", "doku": "uang", "amplop": "uang", "cuan": "uang",
    "sursu": "surat suara", "jkt": "jakarta", "sby": "surabaya", "indo": "indonesia", "ri": "indonesia",
}
STOP_WORDS = frozenset("""
yang dan di ke dari ini itu untuk dengan pada adalah akan juga atau karena sudah belum tidak bukan saja
ada oleh sebagai dalam telah bisa dapat harus lagi masih sangat banget jadi tapi namun kalau jika agar supaya
saya kamu kami kita anda mereka dia ia nya pun lah kah dong deh sih loh kok ya yah nih tuh wkwk wkwkwk haha
mohon tolong sebarkan sebar viral share bagikan grup group info berita penting diteruskan forward forwarded teman
teman2 semua para bapak ibu sdr saudara apa siapa kapan mana bagaimana benar memang hal sama seperti tentang
""".split())


def refang(text: str) -> str:
    """Defanged links written back as links (`hxxps://wa[dot]me/…` → `https://wa.me/…`)."""
    for pattern, replacement in DEFANGED:
        text = pattern.sub(replacement, text)
    return text


def canonical_url(url: str) -> str:
    """host/path?query without scheme, "www.", tracking parameters or a trailing slash: one form per link. Never
    raises: a link Python cannot parse (a bracketed "host", a bad port) is kept as its lower-cased text."""
    raw = (url if "://" in url else "http://" + url).rstrip(".,);!?")
    try:
        parts = urlsplit(raw)
        host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    except ValueError:
        return raw.split("://", 1)[1].lower().rstrip("/")
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if not TRACKING_PARAMETERS.match(k.lower())))
    return urlunsplit(("", host, parts.path.rstrip("/"), query, "")).lstrip("/")


def _links(text: str) -> tuple[list[str], str]:
    """The links in a text (with or without a scheme, defanged or not) and the text without them."""
    found: list[str] = []

    def take(match: re.Match) -> str:
        found.append(match.group(0))
        return " "

    rest = BARE_DOMAIN.sub(take, URL.sub(take, refang(text or "")))
    return found, rest


def urls(text: str) -> list[str]:
    return [canonical_url(u) for u in _links(text)[0]]


def words(text: str) -> list[str]:
    """Normalised words with slang spelled out (links removed: they are matched as whole links)."""
    plain = normalize(_links(text)[1]).replace("-", "")
    out: list[str] = []
    for token in TOKEN.findall(plain):
        out.extend(SLANG.get(token, token).split())
    return out


def terms(text: str) -> list[str]:
    """What the matcher indexes: content-word stems in order, then each canonical link as one term."""
    stems = [stem(w) for w in words(text) if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]
    return [s for s in stems if s not in STOP_WORDS] + [f"url:{u}" for u in urls(text)]
