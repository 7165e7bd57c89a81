"""Demo data: the Bakohumas forum of KPU Kota Madiun, plus enough around it to show office scoping.

Names and numbers are invented (numbers in the 0812-3xxx-xxxx range); parties are the real Pemilu 2024 list.
Running it again changes nothing.
"""

import csv
import json
import random
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import create_staff
from channels.models import Channel
from channels.services import create_channel
from content import services as content
from content.models import Publication
from elections.services import seed_elections
from inbox.models import SavedReply
from inbox.services import save_reply_template
from members import services
from members.models import Category, Consent, Group, Member, Organization, Purpose
from offices.models import Office
from offices.services import seed_offices

DEMO_PASSWORD = "demo-bakohumas-2024"
DEMO_USERS = [
    ("operator.madiun", "35.77", Role.OPERATOR, "Dewi", "Lestari"),
    ("admin.madiun", "35.77", Role.ADMIN, "Bambang", "Sutrisno"),
    ("verifikator.madiun", "35.77", Role.VERIFIER, "Rina", "Wulandari"),
    ("editor.madiun", "35.77", Role.EDITOR, "Yusuf", "Hakim"),
    ("admin.jatim", "35", Role.ADMIN, "Hendro", "Prasetyo"),
    ("operator.kabmadiun", "35.19", Role.OPERATOR, "Agus", "Santoso"),
    ("admin.ri", "00", Role.ADMIN, "Nur", "Hidayati"),
]
FIRST = ["Ahmad", "Budi", "Siti", "Dwi", "Eko", "Fitri", "Hadi", "Indah", "Joko", "Kartika", "Lukman", "Maya",
         "Nanang", "Oktaviani", "Putri", "Rahmat", "Sri", "Teguh", "Umi", "Wahyu", "Yuni", "Zainal", "Agung",
         "Bayu", "Citra", "Endah", "Galih", "Heru", "Imam", "Ratna"]
LAST = ["Santoso", "Wijaya", "Rahayu", "Purnomo", "Susanti", "Hidayat", "Setiawan", "Kusuma", "Nugroho",
        "Lestari", "Saputra", "Wibowo", "Handayani", "Firmansyah", "Maulana", "Pratama", "Utomo", "Suryani"]
MADIUN_ORGS = [
    ("Bawaslu Kota Madiun", "Bawaslu", Category.BAWASLU, ["Forkopimda"]),
    ("Polres Madiun Kota", "Polres", Category.POLICE, ["Forkopimda"]),
    ("Kodim 0803/Madiun", "Kodim", Category.MILITARY, ["Forkopimda"]),
    ("Dinas Komunikasi dan Informatika Kota Madiun", "Diskominfo", Category.GOVERNMENT, []),
    ("Badan Kesatuan Bangsa dan Politik Kota Madiun", "Bakesbangpol", Category.GOVERNMENT, ["Forkopimda"]),
    ("FKUB Kota Madiun", "FKUB", Category.FKUB, []),
    ("Radar Madiun", "", Category.MEDIA, ["Pers"]),
    ("RRI Madiun", "RRI", Category.MEDIA, ["Pers"]),
    ("PWI Madiun", "PWI", Category.MEDIA, ["Pers"]),
    ("Universitas PGRI Madiun", "UNIPMA", Category.UNIVERSITY, []),
    ("Universitas Merdeka Madiun", "UNMER", Category.UNIVERSITY, []),
    ("PC Nahdlatul Ulama Kota Madiun", "PCNU", Category.NGO, []),
    ("PD Muhammadiyah Kota Madiun", "", Category.NGO, []),
    ("JPPR Kota Madiun", "JPPR", Category.NGO, ["Pemantau"]),
]
POSITIONS = ["Ketua", "Sekretaris", "Humas", "Bendahara", "Wakil Ketua", "Staf"]
EVIDENCE = "Formulir persetujuan rapat pembentukan Bakohumas, 13 Juni 2023 (arsip Subbag Humas)"


class Command(BaseCommand):
    help = "Mengisi data contoh forum Bakohumas KPU Kota Madiun (idempoten)."

    def handle(self, *args, **options):
        seed_offices()
        with transaction.atomic():
            created_users = self._users()
            madiun = Office.objects.get(code="35.77")
            if not Organization.objects.filter(office=madiun).exists():
                self._forum(madiun, "Kota Madiun", seed=1, parties=True)
                self._forum(Office.objects.get(code="35.19"), "Kabupaten Madiun", seed=2, parties=False)
                self._groups(madiun)
            seed_elections()
            if not Publication.objects.filter(office=madiun).exists():
                self._publications(madiun, Office.objects.get(code="00"))
            self._outboxes([madiun, Office.objects.get(code="35.19"), Office.objects.get(code="35"),
                            Office.objects.get(code="00")])
            self._saved_replies(madiun)
            self._factcheck(madiun, Office.objects.get(code="00"))
        self.stdout.write(self.style.SUCCESS("Data contoh siap."))
        if created_users:
            self.stdout.write(f"Akun contoh (kata sandi semua: {DEMO_PASSWORD}):")
            for username, code, role, *_ in DEMO_USERS:
                self.stdout.write(f"  {username:<20} {Role(role).label:<14} {Office.objects.get(code=code).name}")

    def _outboxes(self, offices: list[Office]) -> None:
        """Broadcasts of the demo reach nobody: the dev outbox channel records them for the UI."""
        for office in offices:
            if not Channel.objects.filter(office=office).exists():
                create_channel(actor=None, office=office, kind="outbox", name="Kotak keluar uji")

    def _saved_replies(self, office: Office) -> None:
        replies = [
            ("dpt", "Cek DPT", "Silakan cek status Anda sebagai pemilih di https://cekdptonline.kpu.go.id dengan NIK "
                               "KTP elektronik. Bila belum terdaftar, hubungi PPS di kelurahan Anda."),
            ("pindah", "Pindah memilih", "Pemilih yang akan memilih di luar TPS asal mengurus formulir pindah memilih "
                                         "(A-Pindah Memilih) di PPS asal atau tujuan, paling lambat sesuai jadwal "
                                         "tahapan."),
            ("terima-kasih", "Terima kasih", "Terima kasih atas informasinya. Kami teruskan kepada pihak terkait."),
        ]
        for code, title, text in replies:
            if not SavedReply.objects.filter(office=office, shortcode=code).exists():
                save_reply_template(actor=None, office=office, shortcode=code, title=title, text=text)

    def _factcheck(self, madiun: Office, national: Office) -> None:
        """KPU RI's clarifications (from the project's dev set) answer reports at once; one local rumour waits in
        KPU Kota Madiun's queue with three reports."""
        from factcheck import index
        from factcheck import services as factcheck
        from factcheck.models import Clarification, Report, Verdict

        if Clarification.objects.filter(office=national).exists():
            return
        devset = Path(settings.BASE_DIR) / "factcheck" / "devset" / "clarifications.jsonl"
        for row in [json.loads(line) for line in devset.read_text().splitlines()[:12]]:
            clarification = Clarification.objects.create(
                office=national, slug=f"klarifikasi-{row['id'].lower()}", claim_reviewed=row["claim"][:500],
                verdict=Verdict.FALSE, summary=row["text"].split("Penjelasan:", 1)[-1].strip()[:300],
                body=row["text"].split("Penjelasan:", 1)[-1].strip(), status=Clarification.Status.PUBLISHED,
                published_at=timezone.now())
            index.log_change(clarification.pk)   # published without the services: a running server matches it too
        for text in ["Kotak suara dari gudang KPU Kota Madiun dipindah diam-diam malam ini, awasi!!",
                     "awas kotak suara di gudang kpu kota madiun dipindah diam2 tadi malam",
                     "Benarkah kotak suara gudang KPU Madiun dipindahkan diam-diam malam hari?"]:
            factcheck.submit_report(office=madiun, source=Report.Source.STAFF, text=text, forwarded=True)

    def _users(self) -> bool:
        created = False
        for username, code, role, first, last in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                continue
            office = Office.objects.get(code=code)
            create_staff(actor=None, office=office, username=username, role=role, password=DEMO_PASSWORD,
                         first_name=first, last_name=last, email=f"{username}@kpu.example")
            created = True
        return created

    def _forum(self, office: Office, region: str, *, seed: int, parties: bool) -> None:
        rng = random.Random(seed)
        used_numbers: set[str] = set()
        orgs = []
        if parties:
            with open(settings.BASE_DIR / "data" / "partai_pemilu_2024.csv", encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    if row["cakupan"] == "nasional":
                        orgs.append((f"DPC {row['singkatan']} {region}", row["singkatan"], Category.PARTY, ["Parpol"]))
        orgs += [(name.replace("Kota Madiun", region), abbr, cat, tags) for name, abbr, cat, tags in MADIUN_ORGS]
        for name, abbr, category, tag_names in orgs:
            org = services.create_organization(actor=None, office=office, name=name, abbreviation=abbr,
                                               category=category)
            tags = services.get_or_create_tags(office=office, names=tag_names)
            for position in rng.sample(POSITIONS, 2):
                self._member(office, org, position, tags, rng, used_numbers)
        for _ in range(4):
            self._member(office, None, "Tokoh masyarakat", [], rng, used_numbers,
                         status=Member.Status.PENDING, source=Member.Source.SELF_REGISTRATION)

    def _member(self, office, org, position, tags, rng, used, *, status=Member.Status.ACTIVE,
                source=Member.Source.STAFF) -> None:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        while True:
            number = f"0812-3{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
            if number not in used:
                used.add(number)
                break
        addresses = [services.AddressInput("whatsapp", number)]
        if rng.random() < 0.6:
            addresses.append(services.AddressInput("mailto", f"{first}.{last}{rng.randint(1, 99)}@example.id".lower()))
        if rng.random() < 0.3:
            addresses.append(services.AddressInput("telegram", f"@{first}{last}{rng.randint(10, 99)}".lower()))
        consent = services.ConsentInput([Purpose.DISSEMINATION, Purpose.EVENTS], Consent.Method.FORM, EVIDENCE)
        if rng.random() < 0.1:
            consent = None  # some contacts never consented: they are kept but cannot be messaged
        services.create_member(actor=None, office=office, full_name=f"{first} {last}", position=position,
                               organization=org, addresses=addresses, tags=tags, status=status, source=source,
                               consent=consent,
                               submitted_organization="Paguyuban Warga Manguharjo" if org is None else "")

    def _groups(self, office: Office) -> None:
        services.create_group(actor=None, office=office, name="Partai Politik", kind=Group.Kind.DYNAMIC,
                              description="Pengurus partai politik peserta Pemilu", categories=[Category.PARTY])
        services.create_group(actor=None, office=office, name="Media dan Pers", kind=Group.Kind.DYNAMIC,
                              categories=[Category.MEDIA])
        forkopimda = Member.objects.filter(office=office, tags__name="Forkopimda")
        services.create_group(actor=None, office=office, name="Forkopimda", kind=Group.Kind.MANUAL,
                              description="Unsur forum koordinasi pimpinan daerah", members=list(forkopimda))

    def _publications(self, madiun: Office, national: Office) -> None:
        """Illustrative texts (not real KPU statements) on the real Pilkada 2024 schedule."""
        items = [
            (madiun, Publication.Kind.PRESS_RELEASE, "KPU Kota Madiun Gelar Rapat Koordinasi Bakohumas",
             "Forum Bakohumas membahas penyebaran informasi tahapan Pilkada 2024.",
             "KPU Kota Madiun menggelar rapat koordinasi **Bakohumas** bersama partai politik, media, TNI-Polri "
             "dan organisasi masyarakat.\n\nRapat membahas penyebaran informasi tahapan pemilihan dan cara "
             "melaporkan informasi yang menyesatkan."),
            (madiun, Publication.Kind.ANNOUNCEMENT, "Pengumuman Daftar Pemilih Sementara Pilkada 2024",
             "Warga dapat mengecek namanya dalam DPS di kantor kelurahan.",
             "Daftar Pemilih Sementara (DPS) diumumkan di setiap kelurahan. Warga yang belum terdaftar dapat "
             "melapor ke PPS setempat dengan membawa KTP elektronik."),
            (madiun, Publication.Kind.NEWS, "Sosialisasi Pemilih Pemula di Sekolah",
             "Pelajar yang berusia 17 tahun pada hari pemungutan suara dapat memilih.",
             "KPU Kota Madiun mengajak pemilih pemula memeriksa data dan datang ke TPS pada hari pemungutan "
             "suara."),
            (madiun, Publication.Kind.FAQ, "Apa yang harus dibawa ke TPS?", "",
             "Bawa **formulir pemberitahuan** (C6) dan KTP elektronik. Bila tidak mendapat formulir, pemilih yang "
             "terdaftar tetap dapat memilih dengan menunjukkan KTP elektronik."),
            (madiun, Publication.Kind.FAQ, "Bagaimana mengecek nama di daftar pemilih?", "",
             "Periksa daftar pemilih yang diumumkan di kelurahan, atau tanyakan kepada PPS setempat."),
            (national, Publication.Kind.PRESS_RELEASE, "Pemungutan Suara Pilkada Serentak 27 November 2024",
             "Pemungutan suara serentak di seluruh Indonesia sesuai PKPU 2/2024.",
             "Pemungutan suara Pilkada Serentak 2024 dilaksanakan pada **27 November 2024** sesuai PKPU Nomor 2 "
             "Tahun 2024 tentang tahapan dan jadwal pemilihan."),
        ]
        for office, kind, title, summary, body in items:
            item = content.create_publication(actor=None, office=office, kind=kind, title=title, summary=summary,
                                              body=body, tags=["pilkada-2024"])
            content.submit_for_review(actor=None, publication=item)
            item.refresh_from_db()
            content.approve_and_publish(actor=None, publication=item)
