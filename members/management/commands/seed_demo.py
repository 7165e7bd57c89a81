"""Demo data: the Bakohumas forum of KPU Kota Madiun, plus enough around it to show office scoping.

Names and numbers are invented (numbers in the 0812-3xxx-xxxx range); parties are the real Pemilu 2024 list.
Running it again changes nothing.
"""

import csv
import json
import random
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import create_staff
from broadcasts import services as broadcasts
from broadcasts.models import Broadcast, Delivery
from channels.models import Channel, InboundMessage
from channels.providers.base import InboundMessage as InboundEvent
from channels.services import create_channel, store_inbound
from content import services as content
from content.models import Publication
from elections.services import seed_elections
from inbox import services as inbox
from inbox.models import Conversation, SavedReply
from inbox.services import save_reply_template
from members import services
from members.models import Address, Category, Consent, Group, Member, Organization, Purpose
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
CHAIN_MESSAGE = ("PENTING!! Pemilih yang tidak membawa undangan C6 TIDAK BOLEH mencoblos di TPS tanggal 27 November, "
                 "petugas KPPS sudah diperintahkan menolak. Sebarkan ke keluarga dan grup RT!!")


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
            outbox = Channel.objects.filter(office=madiun, kind="outbox").first()
            if outbox is not None:
                senders = list(Address.objects.filter(office=madiun, kind=Address.Kind.WHATSAPP,
                                                      member__status=Member.Status.ACTIVE)
                               .select_related("member").order_by("pk")[:12])
                self._conversations(outbox, senders[:5])
                self._hoax_reports(outbox, senders[5:12])
            self._broadcasts(madiun)
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

    def _receive(self, channel: Channel, address: Address, key: str, text: str, *, minutes_ago: int = 0,
                 forwarded: bool = False, many: bool = False) -> Conversation:
        """A member's message as the webhook stores it and the router files it (keywords, CEK, automatic
        replies), the way the dev outbox's receive form feeds it in."""
        store_inbound(channel=channel, event=InboundEvent(
            provider_message_id=f"demo-{key}", sender=f"whatsapp:{address.value}", kind="text", text=text,
            sent_at=timezone.now() - timedelta(minutes=minutes_ago), sender_name=address.member.full_name,
            forwarded=forwarded or many, frequently_forwarded=many))
        inbox.route_pending()
        return Conversation.objects.filter(office=channel.office, member=address.member).latest("pk")

    def _conversations(self, outbox: Channel, senders: list[Address]) -> None:
        """The inbox of KPU Kota Madiun: one question nobody took yet, one operator.madiun answers, one closed,
        one escalated to KPU Provinsi Jawa Timur (admin.jatim's inbox), and an INFO keyword answered by itself."""
        if len(senders) < 5 or InboundMessage.objects.filter(channel=outbox, provider_message_id="demo-a1").exists():
            return
        operator = User.objects.get(username="operator.madiun")
        unassigned, answered, closed, escalated, keyword = senders
        self._receive(outbox, unassigned, "a1", "Selamat siang, apakah pendaftaran anggota KPPS untuk Pilkada "
                      "sudah dibuka?", minutes_ago=95)
        self._receive(outbox, unassigned, "a2", "Saya dari Kelurahan Manguharjo, ada tiga pemuda yang berminat.",
                      minutes_ago=93)

        conversation = self._receive(outbox, answered, "b1", "Mohon info, saya pindah domisili ke Kota Madiun. "
                                     "Bagaimana caranya supaya tetap bisa memilih?", minutes_ago=240)
        inbox.reply(actor=operator, conversation=conversation, text="/pindah", expected_version=None)
        self._receive(outbox, answered, "b2", "Baik, terima kasih. Formulirnya diambil di PPS kelurahan tujuan "
                      "juga bisa?")

        conversation = self._receive(outbox, closed, "c1", "KTP-el saya hilang, apakah masih bisa memilih dengan "
                                     "surat keterangan?", minutes_ago=1500)
        inbox.reply(actor=operator, conversation=conversation, expected_version=None,
                    text="Bisa. Tunjukkan surat keterangan kehilangan dari kepolisian dan KK, atau urus KTP-el "
                         "pengganti di Dispendukcapil sebelum hari pemungutan suara.")
        self._receive(outbox, closed, "c2", "Siap, terima kasih infonya.", minutes_ago=0)
        inbox.close(actor=operator, conversation=Conversation.objects.get(pk=conversation.pk))

        conversation = self._receive(outbox, escalated, "d1", "Kapan jadwal debat pasangan calon gubernur Jawa "
                                     "Timur? Di Madiun ada nobar atau tidak?", minutes_ago=180)
        inbox.add_note(actor=operator, conversation=conversation,
                       text="Jadwal debat ditetapkan KPU Provinsi; kita belum menerima suratnya.")
        inbox.escalate(actor=operator, conversation=conversation,
                       reason="Jadwal dan lokasi debat pasangan calon gubernur ditetapkan KPU Provinsi Jawa Timur. "
                              "Mohon jawaban resmi, termasuk apakah ada nonton bareng di Kota Madiun.")

        self._receive(outbox, keyword, "e1", "INFO", minutes_ago=30)

    def _hoax_reports(self, outbox: Channel, senders: list[Address]) -> None:
        """A chain message four members ask about with CEK (one claim, four reporters), answered by a
        clarification KPU Kota Madiun publishes (the reporters are told); a fifth member's question about it,
        sent afterwards, is answered at once by matching. Two members also ask about the ballot-box rumour that
        stays in the verifier's queue."""
        from factcheck import services as factcheck
        from factcheck.models import Verdict

        if len(senders) < 7 or InboundMessage.objects.filter(channel=outbox, provider_message_id="demo-h1").exists():
            return
        madiun = outbox.office
        verifier = User.objects.get(username="verifikator.madiun")
        approver = User.objects.get(username="admin.madiun")
        # Two forward the chain message and then send CEK, as people are told to; two write CEK and paste it.
        self._receive(outbox, senders[0], "h1", CHAIN_MESSAGE, minutes_ago=300, many=True)
        self._receive(outbox, senders[0], "h2", "CEK", minutes_ago=299)
        self._receive(outbox, senders[1], "h3", CHAIN_MESSAGE, minutes_ago=200, forwarded=True)
        self._receive(outbox, senders[1], "h4", "cek", minutes_ago=199)
        self._receive(outbox, senders[2], "h5", f"CEK {CHAIN_MESSAGE}", minutes_ago=150)
        conversation = self._receive(outbox, senders[3], "h6", f"CEK {CHAIN_MESSAGE}", minutes_ago=120)
        claim = conversation.factcheck_reports.get().claim
        clarification = factcheck.save_clarification(
            actor=verifier, office=madiun, claim=claim,
            claim_reviewed="Pemilih yang tidak membawa undangan C6 tidak boleh mencoblos di TPS",
            verdict=Verdict.FALSE,
            summary="Salah. Pemilih yang terdaftar di DPT tetap dapat mencoblos dengan menunjukkan KTP-el, walau "
                    "tidak membawa undangan (formulir C6).",
            body="Undangan memilih (formulir C6) memberi tahu waktu dan tempat TPS. Pemilih yang namanya ada di "
                 "DPT tetapi tidak membawa undangan **tetap dapat memilih** dengan menunjukkan KTP-el kepada "
                 "KPPS.\n\nKPPS tidak pernah diperintahkan menolak pemilih yang tidak membawa undangan. Bila ragu, "
                 "tanyakan kepada PPS di kelurahan Anda.",
            evidence=["https://jdih.kpu.go.id/"])
        factcheck.submit_clarification(actor=verifier, clarification=clarification)
        factcheck.publish_clarification(actor=approver, clarification=clarification)
        self._receive(outbox, senders[4], "h7", "CEK benarkah pemilih yang tidak membawa undangan C6 tidak boleh "
                      "mencoblos di TPS?", minutes_ago=10)

        rumour = "Kotak suara dari gudang KPU Kota Madiun dipindah diam-diam malam ini, awasi!!"
        self._receive(outbox, senders[5], "h8", f"CEK {rumour}", minutes_ago=60)
        self._receive(outbox, senders[6], "h9", rumour, minutes_ago=45, many=True)
        self._receive(outbox, senders[6], "h10", "CEK", minutes_ago=44)

    def _broadcasts(self, madiun: Office) -> None:
        """A broadcast sent with each recipient's status, one approved and scheduled for tomorrow 08.00, and one
        waiting for a second person's approval."""
        if Broadcast.objects.filter(office=madiun).exists():
            return
        operator = User.objects.get(username="operator.madiun")
        approver = User.objects.get(username="admin.madiun")
        done = broadcasts.create_broadcast(
            actor=operator, office=madiun, title="Undangan Rapat Koordinasi Bakohumas", audience_all=True,
            text="Yth. Bapak/Ibu anggota Bakohumas Kota Madiun,\n\nKami mengundang Bapak/Ibu pada *Rapat "
                 "Koordinasi Bakohumas* Kamis pukul 09.00 WIB di Aula KPU Kota Madiun, Jl. Mayjen Panjaitan.\n\n"
                 "Mohon konfirmasi kehadiran dengan membalas pesan ini.")
        broadcasts.submit_broadcast(actor=operator, broadcast=done)
        broadcasts.approve_broadcast(actor=approver, broadcast=done)
        broadcasts.start_broadcast(broadcast_id=done.pk)
        self._finished(done)

        zone = ZoneInfo(madiun.timezone)
        tomorrow = timezone.localtime(timezone.now(), zone).date() + timedelta(days=1)
        scheduled = broadcasts.create_broadcast(
            actor=operator, office=madiun, title="Pengingat: cek nama Anda di Daftar Pemilih Tetap",
            audience_all=True, scheduled_at=datetime.combine(tomorrow, time(8, 0), tzinfo=zone),
            text="Sudahkah Anda memeriksa nama di Daftar Pemilih Tetap? Cek di https://cekdptonline.kpu.go.id "
                 "dengan NIK KTP-el, atau tanyakan kepada PPS di kelurahan Anda.")
        broadcasts.submit_broadcast(actor=operator, broadcast=scheduled)
        broadcasts.approve_broadcast(actor=approver, broadcast=scheduled)

        waiting = broadcasts.create_broadcast(
            actor=operator, office=madiun, title="Sosialisasi pemilih pemula di SMA Negeri 2 Madiun",
            audience_categories=[Category.MEDIA],
            text="Rekan media, KPU Kota Madiun menggelar sosialisasi pemilih pemula di SMA Negeri 2 Madiun, Senin "
                 "pukul 08.00 WIB. Kami mengundang rekan-rekan untuk meliput.")
        broadcasts.submit_broadcast(actor=operator, broadcast=waiting)

    def _finished(self, broadcast: Broadcast) -> None:
        """What providers report after sending (sent, delivered, read, failed) cannot be produced through the
        services without a provider: those statuses are written to the rows directly, spread over the seconds
        after the start, and the broadcast is marked done."""
        started = Broadcast.objects.values_list("started_at", flat=True).get(pk=broadcast.pk)
        deliveries = list(broadcast.deliveries.order_by("pk"))
        for i, delivery in enumerate(deliveries):
            delivery.sent_at = started + timedelta(milliseconds=200 * i)
            delivery.provider_message_id = f"demo-{delivery.pk}"
            delivery.status = ("failed", "sent", "delivered", "delivered", "read", "read", "read", "read",
                               "read", "delivered")[i % 10]
            if delivery.status == Delivery.Status.FAILED:
                delivery.failed_at, delivery.error_outcome = delivery.sent_at, "bad_address"
                delivery.error_code, delivery.error_detail = 131026, "Message undeliverable"
            if delivery.status in (Delivery.Status.DELIVERED, Delivery.Status.READ):
                delivery.delivered_at = delivery.sent_at + timedelta(seconds=2)
            if delivery.status == Delivery.Status.READ:
                delivery.read_at = delivery.sent_at + timedelta(seconds=5)
        Delivery.objects.bulk_update(deliveries, ["status", "sent_at", "provider_message_id", "failed_at",
                                                  "error_outcome", "error_code", "error_detail", "delivered_at",
                                                  "read_at"])
        Broadcast.objects.filter(pk=broadcast.pk).update(
            status=Broadcast.Status.DONE, finished_at=started + timedelta(milliseconds=200 * len(deliveries)))

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
