"""Generate a realistic, deterministic CSV of Bakohumas members for the import benchmark.

    python bench/gen_members_csv.py OUT.csv [-n 50000] [--seed 2024] [--bad-fraction 0.05] [--delimiter ,]

The file looks like what a KPU office actually receives: Indonesian names with and without titles
("H. Ahmad Santoso, S.Sos."), the parties' DPC/PAC, Polres/Polsek, Kodim/Koramil, OPD, kelurahan, media,
LSM/ormas, universities; WhatsApp numbers written every way people write them (0812-3456-7890, 62812…,
+62 812…, 0857 …, 81234567890 after Excel ate the zero); optional e-mail, label and notes columns.

Exactly round(N * bad_fraction) rows are bad, spread evenly through the file:
  invalid   — a number that is too short/long, a landline in the WhatsApp column, or no digits at all
  foreign   — a valid non-Indonesian number (+60, +65, +1, +61, +886, +852)
  empty     — an empty or blank name
  html      — HTML/script in the name
  duplicate — an earlier good row again (number in another notation), i.e. already in the file
Every other row is valid and unique (number and e-mail), so the expected import outcome is known exactly:
`generate()` returns it and the command prints it.

Only the standard library is used; the same seed always gives the same bytes.
"""

import argparse
import csv
import itertools
import json
import random
import sys
import unicodedata
from pathlib import Path

HEADERS = ["No", "Nama", "Instansi", "Kategori", "Jabatan", "No. WA", "E-mail", "Label", "Keterangan"]

FIRST_NAMES = [
    "Ahmad", "Agus", "Agung", "Andi", "Anik", "Arif", "Bambang", "Bayu", "Budi", "Cahyo", "Citra", "Dani",
    "Dewi", "Dian", "Dimas", "Dwi", "Eko", "Endang", "Endah", "Erna", "Fajar", "Fitri", "Galih", "Gunawan",
    "Hadi", "Hendra", "Heru", "Ika", "Imam", "Indah", "Irfan", "Joko", "Kartika", "Lilik", "Lukman", "Maya",
    "Mohammad", "Muhammad", "Nanang", "Nur", "Nurul", "Oktaviani", "Puji", "Putri", "Rahmat", "Ratna", "Retno",
    "Rina", "Rizki", "Sigit", "Siti", "Slamet", "Sri", "Suci", "Teguh", "Tri", "Umi", "Wahyu", "Wawan", "Widya",
    "Yanti", "Yoga", "Yuni", "Zainal", "Anang", "Bagus", "Catur", "Dodik", "Eny", "Farida", "Hari", "Ismail",
    "Kusnadi", "Latifah", "Mulyadi", "Novi", "Purwanto", "Rudi", "Setyo", "Titik", "Wulan", "Yusuf",
]
MIDDLE_NAMES = ["Adi", "Budi", "Dwi", "Eka", "Nur", "Puspita", "Rahma", "Sari", "Tri", "Wahyu", "Ayu", "Indra"]
LAST_NAMES = [
    "Santoso", "Wijaya", "Rahayu", "Purnomo", "Susanti", "Hidayat", "Setiawan", "Kusuma", "Nugroho", "Lestari",
    "Saputra", "Wibowo", "Handayani", "Firmansyah", "Maulana", "Pratama", "Utomo", "Suryani", "Hartono",
    "Prasetyo", "Kurniawan", "Wulandari", "Sulistyo", "Rahmawati", "Yuliani", "Susilo", "Haryanto", "Widodo",
    "Sutrisno", "Permata", "Hakim", "Ramadhan", "Anggraini", "Safitri", "Novitasari", "Wahyuni", "Kartini",
    "Hermawan", "Suprapto", "Irawan", "Nurhayati", "Mulyani", "Fauzi", "Syahputra", "Hasanah", "Sudarmaji",
    "Pamungkas", "Cahyani", "Setyaningsih", "Budiman", "Gunadi", "Rohman", "Arifin", "Subagyo", "Kristanto",
]
MONONYMS = ["Suparman", "Sumarni", "Sutarno", "Sukiman", "Parjo", "Tukiyem", "Sumadi", "Paijo", "Suwarni",
            "Marsudi", "Sugeng", "Wagiman", "Sarminah", "Tumini"]
PREFIX_TITLES = ["H.", "Hj.", "Dr.", "Drs.", "Ir.", "KH.", "Hj. Dra.", "dr."]
SUFFIX_TITLES = ["S.Sos.", "S.H.", "S.Pd.", "S.E.", "S.IP.", "M.Si.", "M.M.", "S.Kom.", "M.H.", "S.Ag.",
                 "S.Sos., M.Si.", "S.H., M.H.", "A.Md."]

CITY = "Kota Madiun"
KECAMATAN = ["Kartoharjo", "Manguharjo", "Taman"]
KELURAHAN = [
    "Kartoharjo", "Kanigoro", "Kelun", "Klegen", "Oro-oro Ombo", "Pilangbango", "Rejomulyo", "Sukosari",
    "Tawangrejo", "Madiun Lor", "Manguharjo", "Nambangan Kidul", "Nambangan Lor", "Ngegong", "Patihan", "Pangongangan",
    "Sogaten", "Winongo", "Banjarejo", "Demangan", "Josenan", "Kejuron", "Kuncen", "Manisrejo", "Mojorejo",
    "Pandean", "Taman",
]
PARTIES = ["PKB", "Partai Gerindra", "PDI Perjuangan", "Partai Golkar", "Partai NasDem", "Partai Buruh",
           "Partai Gelora", "PKS", "PKN", "Partai Hanura", "Partai Garuda", "PAN", "PBB", "Partai Demokrat",
           "PSI", "Partai Perindo", "PPP", "Partai Ummat"]
OPD = ["Dinas Komunikasi dan Informatika", "Badan Kesatuan Bangsa dan Politik", "Dinas Kependudukan dan "
       "Pencatatan Sipil", "Dinas Pendidikan", "Dinas Kesehatan", "Satpol PP", "BPBD", "Dinas Sosial",
       "Sekretariat Daerah", "Sekretariat DPRD", "Bappeda", "Dinas Perhubungan", "Dinas Pekerjaan Umum",
       "Dinas Pemuda dan Olahraga", "Dinas Perdagangan", "Inspektorat", "Badan Kepegawaian Daerah",
       "Dinas Lingkungan Hidup", "Dinas Tenaga Kerja", "RSUD Kota Madiun"]
MEDIA = ["Radar Madiun", "Madiun Pos", "RRI Madiun", "TVRI Jawa Timur", "JTV Madiun", "Madiun Today",
         "detikJatim", "Kompas.com", "Jawa Pos", "Surya", "Tribun Jatim", "Antara Jatim", "Suara Merdeka",
         "Radio Suara Madiun", "Radio Gema Surya", "Madiunpos.com", "Kabar Madiun", "Lensa Madiun", "PWI Madiun",
         "AJI Kediri-Madiun", "IJTI Korda Madiun", "Memorandum", "Harian Bhirawa", "Kumparan", "Times Indonesia",
         "Beritajatim.com", "Warta Madiun", "Madiun Channel", "Suara Pendidikan", "Info Madiun Raya"]
NGO = ["PC Nahdlatul Ulama", "PD Muhammadiyah", "GP Ansor", "Fatayat NU", "Muslimat NU", "Aisyiyah",
       "Pemuda Muhammadiyah", "Nasyiatul Aisyiyah", "KNPI", "Pemuda Pancasila", "HMI Cabang Madiun",
       "PMII Cabang Madiun", "GMNI Cabang Madiun", "IPNU", "IPPNU", "JPPR", "KIPP", "LSM Madiun Bersih",
       "LSM Peduli Pemilu", "Karang Taruna", "PKK", "Forum Anak", "LPBH NU", "LBH Madiun", "Gerakan Pramuka",
       "PMI", "Persatuan Tunanetra Indonesia", "Gerkatin", "Himpunan Wanita Disabilitas Indonesia",
       "Pusat Studi Demokrasi", "Relawan Demokrasi", "Forum RT/RW", "Paguyuban Pedagang Pasar Besar",
       "Komunitas Pemilih Pemula", "Ikatan Keluarga Madura", "Paguyuban Sedulur Madiun", "PGRI", "IDI",
       "Kadin", "HIPMI", "Perhimpunan INTI", "Pemuda Katolik", "GAMKI", "Peradah", "Pemuda Hindu"]
UNIVERSITIES = ["Universitas PGRI Madiun", "Universitas Merdeka Madiun", "Politeknik Negeri Madiun",
                "Universitas Katolik Widya Mandala Madiun", "STIE Dharma Iswara", "Universitas Muhammadiyah "
                "Madiun", "IAIN Ponorogo", "STKIP Modern Ngawi", "Akademi Perekam Medis Madiun",
                "STIKES Bhakti Husada Mulia"]
RELIGION = ["MUI", "FKUB", "Gereja Kristen Jawi Wetan", "Paroki Santo Cornelius", "PHDI", "Walubi", "Matakin"]
POSITIONS = {
    "party": ["Ketua", "Sekretaris", "Bendahara", "Wakil Ketua", "Ketua Bappilu", "Humas", "LO Partai",
              "Admin Sipol", "Anggota"],
    "police": ["Kapolres", "Wakapolres", "Kasat Intelkam", "Kasat Binmas", "Kapolsek", "Kanit Intel",
               "Bhabinkamtibmas", "Kasi Humas", "Paur Subsi Penmas"],
    "military": ["Dandim", "Kasdim", "Danramil", "Pasi Intel", "Babinsa", "Pasi Ter"],
    "government": ["Kepala Dinas", "Sekretaris", "Kabid", "Kasubbag", "Lurah", "Sekretaris Kelurahan", "Camat",
                   "Staf", "Pranata Humas", "Analis Kebijakan"],
    "media": ["Wartawan", "Pemimpin Redaksi", "Redaktur", "Reporter", "Kontributor", "Kameramen", "Penyiar",
              "Kepala Biro"],
    "ngo": ["Ketua", "Sekretaris", "Koordinator", "Bendahara", "Anggota", "Pengurus", "Direktur", "Relawan"],
    "university": ["Rektor", "Dekan", "Dosen", "Ketua BEM", "Kepala Humas", "Ketua LPPM", "Mahasiswa"],
    "bawaslu": ["Ketua", "Anggota", "Koordinator Sekretariat", "Staf Humas", "Ketua Panwascam",
                "Anggota Panwascam", "PKD"],
    "religion": ["Ketua", "Sekretaris", "Pendeta", "Romo", "Ulama", "Pengurus"],
    "community": ["Tokoh masyarakat", "Tokoh agama", "Tokoh pemuda", "Ketua RW", "Ketua RT", "Kyai", "Budayawan"],
    "other": ["Guru", "Kepala Sekolah", "Pengusaha", "Wiraswasta", "Pensiunan", "Pelajar", "Mahasiswa"],
}
# The words people type in the "Kategori" column; all are understood by members.importing.CATEGORY_WORDS.
CATEGORY_WORDS = {
    "party": ["Partai politik", "Parpol", "partai", "PARPOL"],
    "police": ["Polri", "Polisi", "POLRI"],
    "military": ["TNI"],
    "government": ["Pemda", "OPD", "Pemerintah daerah", "pemda"],
    "media": ["Media", "Pers", "Media massa"],
    "ngo": ["LSM", "Ormas", "LSM/Ormas", "lsm"],
    "university": ["Perguruan tinggi", "Kampus", "Universitas"],
    "bawaslu": ["Bawaslu"],
    "religion": ["FKUB", "Tokoh agama"],
    "community": ["Tokoh masyarakat", "Tokoh agama"],
    "other": ["Lainnya"],
}
TAGS = ["Forkopimda", "Pers", "Pemantau", "Pemilih pemula", "Disabilitas", "Perempuan", "Sosialisasi 2024",
        "Pilkada 2024", "Rakor", "Relawan Demokrasi"]
NOTES = ["Hadir rakor Januari", "Minta undangan lewat WA", "Nomor kantor tidak aktif", "Ganti pengurus 2024",
         "Narahubung utama", "Perlu surat resmi", "Aktif di grup WA Bakohumas"]
EMAIL_DOMAINS = ["gmail.com"] * 10 + ["yahoo.com", "yahoo.co.id", "ymail.com", "outlook.com", "hotmail.com",
                                      "madiunkota.go.id", "polri.go.id", "unipma.ac.id"]
# Indonesian mobile prefixes (Telkomsel, Indosat, XL, Axis, Tri, Smartfren); 12-digit numbers are valid for all.
MOBILE_PREFIXES = ["0811", "0812", "0813", "0821", "0822", "0823", "0851", "0852", "0853", "0814", "0815",
                   "0816", "0855", "0856", "0857", "0858", "0817", "0818", "0819", "0859", "0877", "0878",
                   "0831", "0832", "0838", "0895", "0896", "0897", "0898", "0899", "0881", "0882", "0887"]
MOBILE_WEIGHTS = [8 if p in {"0812", "0813", "0852", "0857", "0856", "0821", "0822"} else 2 for p in MOBILE_PREFIXES]
FOREIGN_NUMBERS = ["+60 12-345 {:04d}", "+65 9123 {:04d}", "+1 202-555-{:04d}", "+61 412 345 {:03d}",
                   "+886 912 345 {:03d}", "+852 9123 {:04d}", "0060 12-789 {:04d}"]
BAD_KINDS = ["invalid", "foreign", "empty", "html", "duplicate"]
BAD_WEIGHTS = [25, 15, 15, 15, 30]


def organizations() -> list[tuple[str, str, int]]:
    """(name, kind, weight) for every organisation in the forum; about 260 of them."""
    orgs: list[tuple[str, str, int]] = []
    for party in PARTIES:
        orgs.append((f"DPC {party} {CITY}" if party != "PKS" else f"DPD PKS {CITY}", "party", 30))
        orgs.extend((f"PAC {party} Kecamatan {kec}", "party", 6) for kec in KECAMATAN)
    orgs.append(("Polres Madiun Kota", "police", 40))
    orgs.extend((f"Polsek {kec}", "police", 10) for kec in KECAMATAN)
    orgs.append(("Kodim 0803/Madiun", "military", 25))
    orgs.extend((f"Koramil {kec}", "military", 8) for kec in KECAMATAN)
    orgs.extend((f"{opd} {CITY}", "government", 12) for opd in OPD)
    orgs.extend((f"Kelurahan {kel}", "government", 5) for kel in KELURAHAN)
    orgs.extend((f"Kecamatan {kec}", "government", 8) for kec in KECAMATAN)
    orgs.extend((m, "media", 10) for m in MEDIA)
    orgs.extend((f"{n} {CITY}" if "Cabang" not in n else n, "ngo", 8) for n in NGO)
    orgs.extend((u, "university", 15) for u in UNIVERSITIES)
    orgs.append((f"Bawaslu {CITY}", "bawaslu", 20))
    orgs.extend((f"Panwaslu Kecamatan {kec}", "bawaslu", 8) for kec in KECAMATAN)
    orgs.extend((f"{r} {CITY}", "religion", 6) for r in RELIGION)
    orgs.extend((f"SMA Negeri {i} Madiun", "other", 4) for i in range(1, 7))
    orgs.extend((f"SMK Negeri {i} Madiun", "other", 4) for i in range(1, 6))
    return orgs


def person_name(rng: random.Random) -> str:
    if rng.random() < 0.08:
        core = rng.choice(MONONYMS)
    elif rng.random() < 0.3:
        core = f"{rng.choice(FIRST_NAMES)} {rng.choice(MIDDLE_NAMES)} {rng.choice(LAST_NAMES)}"
    else:
        core = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    if rng.random() < 0.12:
        core = f"{rng.choice(PREFIX_TITLES)} {core}"
    if rng.random() < 0.18:
        core = f"{core}, {rng.choice(SUFFIX_TITLES)}"
    if rng.random() < 0.03:
        core = core.upper()  # some offices type everything in capitals
    return core


def format_mobile(rng: random.Random, prefix: str, rest: str) -> str:
    """One number, written the way a person or a spreadsheet would: 0812-3456-7890, 62812…, +62 812…"""
    national = prefix[1:] + rest  # 81234567890
    a, b, c = prefix, rest[:4], rest[4:]
    r = rng.random()
    if r < 0.30:
        return f"{a}-{b}-{c}"
    if r < 0.50:
        return f"{a}{b}{c}"
    if r < 0.62:
        return f"{a} {b} {c}"
    if r < 0.72:
        return f"62{national}"
    if r < 0.82:
        return f"+62 {a[1:]}-{b}-{c}"
    if r < 0.88:
        return f"+62{national}"
    if r < 0.93:
        return national  # Excel dropped the leading zero
    if r < 0.97:
        return f"{a}.{b}.{c}"
    return f"(+62) {a[1:]} {b} {c}"


def ascii_slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in text if ch.isalnum())


def generate(path: str | Path, n: int = 50_000, *, seed: int = 2024, bad_fraction: float = 0.05,
             delimiter: str = ",") -> dict:
    """Write the CSV and return what an import into an empty office must report."""
    rng = random.Random(seed)
    orgs = organizations()
    org_cum = list(itertools.accumulate(w for _, _, w in orgs))
    mobile_cum = list(itertools.accumulate(MOBILE_WEIGHTS))
    n_bad = round(n * bad_fraction)
    start = min(20, n // 10)  # the first rows are good, so a duplicate always has an earlier row to copy
    bad_rows = set(rng.sample(range(start, n), n_bad)) if n_bad else set()
    suffixes = rng.sample(range(10**8), n)  # unique last 8 digits: no accidental duplicates among good rows
    used_emails: set[str] = set()
    good: list[tuple[list[str], str, str]] = []  # (row, prefix, rest) of good rows, for duplicates
    counts = dict.fromkeys(BAD_KINDS, 0)

    def email_for(name_parts: list[str]) -> str:
        words = [ascii_slug(p) for p in name_parts if "." not in p]
        words = [w for w in words if w] or ["anggota"]
        base = ".".join(words[:2]) if rng.random() < 0.7 else "".join(words[:2])
        domain = rng.choices(EMAIL_DOMAINS)[0]
        local, k = base, 1
        while f"{local}@{domain}" in used_emails:
            k += 1
            local = f"{base}{k if rng.random() < 0.5 else rng.randint(70, 99)}"
        used_emails.add(f"{local}@{domain}")
        return f"{local}@{domain}" if rng.random() < 0.9 else f"{local}@{domain}".capitalize()

    with open(path, "w", encoding="utf-8-sig", newline="") as fh:  # "CSV UTF-8" as Excel saves it
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(HEADERS)
        for i in range(n):
            if i in bad_rows:
                kind = rng.choices(BAD_KINDS, BAD_WEIGHTS)[0]
                counts[kind] += 1
                if kind == "duplicate":
                    row, prefix, rest = rng.choice(good)
                    row = [str(i + 1), *row[1:]]
                    row[5] = format_mobile(rng, prefix, rest)  # same number, maybe another notation
                    writer.writerow(row)
                    continue
            else:
                kind = None
            org_name, org_kind, _ = rng.choices(orgs, cum_weights=org_cum)[0]
            if rng.random() < 0.06:  # a private person: a community leader without an organisation
                org_name, org_kind = "", "community"
            name = person_name(rng)
            prefix = rng.choices(MOBILE_PREFIXES, cum_weights=mobile_cum)[0]
            rest = f"{suffixes[i]:08d}"
            whatsapp = format_mobile(rng, prefix, rest)
            email = email_for(name.replace(",", " ").split()) if rng.random() < 0.6 else ""
            category = rng.choice(CATEGORY_WORDS[org_kind]) if rng.random() < 0.9 else ""
            tags = ", ".join(rng.sample(TAGS, rng.choice([1, 1, 2]))) if rng.random() < 0.15 else ""
            notes = rng.choice(NOTES) if rng.random() < 0.05 else ""
            row = [str(i + 1), name, org_name, category, rng.choice(POSITIONS[org_kind]), whatsapp, email, tags,
                   notes]
            if kind == "invalid":
                row[5] = rng.choice([
                    f"{prefix}-{rest[:3]}-{rest[3:5]}",  # too short
                    f"{prefix}{rest}{rng.randint(10000, 99999)}",  # too long
                    f"(0351) {rng.randint(400000, 499999)}",  # landline, not WhatsApp
                    f"021-{rng.randint(5000, 5999)}-{rng.randint(1000, 9999)}",
                    rng.choice(["-", "tidak ada", "belum punya", "nomor menyusul"]),
                ])
            elif kind == "foreign":
                row[5] = rng.choice(FOREIGN_NUMBERS).format(rng.randint(0, 999))
            elif kind == "empty":
                row[1] = rng.choice(["", " ", "   "])
            elif kind == "html":
                row[1] = rng.choice([
                    f"<b>{name}</b>", f"{name}<script>alert(1)</script>", f'<img src=x onerror="alert(1)">{name}',
                    f'<a href="http://spam.example">{name}</a>', f"{name} <br>",
                ])
            else:
                good.append((row, prefix, rest))
            writer.writerow(row)
    errors = counts["invalid"] + counts["foreign"] + counts["empty"] + counts["html"]
    return {"path": str(path), "rows": n, "seed": seed, "bad_rows": n_bad, "bad_by_kind": counts,
            "expected": {"valid": n - n_bad, "errors": errors, "duplicates": counts["duplicate"]},
            "organizations": len({r[2] for r, _, _ in good if r[2]})}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", help="CSV file to write")
    parser.add_argument("-n", "--rows", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--bad-fraction", type=float, default=0.05)
    parser.add_argument("--delimiter", default=",", choices=[",", ";", "\t", "|"])
    args = parser.parse_args(argv)
    stats = generate(args.path, args.rows, seed=args.seed, bad_fraction=args.bad_fraction, delimiter=args.delimiter)
    json.dump(stats, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
