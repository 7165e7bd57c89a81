"""Indonesian election texts for the portal benchmarks: titles, summaries and Markdown bodies of 150–400 words.

    from gen_publications import publication_text, SEARCH_QUERIES
    title, summary, body = publication_text(random.Random(1))

Sentences are put together from word lists of election vocabulary (pemilihan, pemungutan suara, tahapan, kampanye,
daftar pemilih, rekapitulasi, TPS, KPPS, sosialisasi …). The verbs and nouns come in their inflected forms
(memilih, pemilih, dipilih, pemilihan, terpilih; menetapkan, ditetapkan, penetapan …), so the search has to stem
to find them. The same seed always gives the same texts. The texts are illustrative, not real KPU statements.
"""

import random

PLACES = ["Kota Madiun", "Kecamatan Taman", "Kecamatan Kartoharjo", "Kecamatan Manguharjo", "Kelurahan Nambangan Kidul",
          "Kelurahan Oro-Oro Ombo", "Kelurahan Pangongangan", "Kelurahan Klegen", "Kelurahan Manisrejo",
          "Kelurahan Kejuron", "Jawa Timur", "wilayah Karesidenan Madiun"]
SUBJECTS = ["KPU Kota Madiun", "Ketua KPU Kota Madiun", "Anggota KPU divisi sosialisasi dan partisipasi masyarakat",
            "Sekretariat KPU", "PPK Kecamatan Taman", "PPK Kecamatan Kartoharjo", "PPS Kelurahan Nambangan Kidul",
            "PPS Kelurahan Klegen", "Bawaslu Kota Madiun", "Panwascam Manguharjo", "anggota KPPS", "petugas pantarlih",
            "petugas coklit", "para pemilih", "pemilih pemula", "partai politik peserta pemilu",
            "pasangan calon wali kota", "tim kampanye pasangan calon", "media massa", "Forum Bakohumas",
            "penyelenggara pemilihan", "masyarakat", "pemilih penyandang disabilitas", "relawan demokrasi",
            "pemantau pemilihan", "Forkopimda Kota Madiun", "Polres Madiun Kota", "Kodim 0803/Madiun"]
VERBS = ["menggelar", "melaksanakan", "mengumumkan", "menetapkan", "menyosialisasikan", "memutakhirkan",
         "merekapitulasi", "menghitung", "mengawasi", "memverifikasi", "mendistribusikan", "melantik", "membentuk",
         "mengajak", "mengimbau", "mencermati", "memeriksa", "menyampaikan", "melaporkan", "mendata", "mencetak",
         "menyortir", "melipat", "mengirimkan", "menerima", "mempersiapkan", "membahas", "mengevaluasi",
         "memastikan", "menyelesaikan", "mendaftarkan", "mencalonkan", "memilih", "mencoblos"]
PASSIVES = ["diumumkan", "ditetapkan", "disosialisasikan", "dimutakhirkan", "direkapitulasi", "dihitung", "diawasi",
            "diverifikasi", "didistribusikan", "dilantik", "dibentuk", "dicermati", "diperiksa", "disampaikan",
            "dilaporkan", "didata", "dicetak", "disortir", "dilipat", "dikirimkan", "diterima", "dipersiapkan",
            "dibahas", "dievaluasi", "dipastikan", "diselesaikan", "didaftarkan", "dicalonkan", "dipilih", "dicoblos"]
OBJECTS = ["daftar pemilih tetap", "daftar pemilih sementara", "daftar pemilih tambahan",
           "rekapitulasi hasil penghitungan suara", "hasil penghitungan suara di TPS", "logistik pemilihan",
           "surat suara", "kotak suara", "bilik suara", "formulir model C hasil", "tahapan pencalonan",
           "jadwal kampanye", "alat peraga kampanye", "bahan kampanye", "data pemilih pemula",
           "pemungutan suara ulang", "hasil verifikasi faktual", "laporan dana kampanye", "debat publik pasangan calon",
           "tata cara pencoblosan", "lokasi TPS", "anggota KPPS terpilih", "hasil coklit", "pemutakhiran data pemilih",
           "daftar calon tetap", "pendaftaran pasangan calon", "berkas syarat pencalonan", "tinta pemilu",
           "undangan memilih", "hasil pemilihan", "penetapan calon terpilih", "pengaduan masyarakat",
           "informasi tahapan pemilihan", "materi sosialisasi", "aplikasi Sirekap", "keterangan pindah memilih"]
ADVERBIALS = ["di aula kantor KPU", "di seluruh kelurahan", "pada hari pemungutan suara",
              "sesuai PKPU Nomor 2 Tahun 2024", "menjelang masa tenang", "selama masa kampanye",
              "di tingkat kecamatan", "bersama Forkopimda",
              "secara terbuka", "melalui aplikasi Sirekap", "sebelum batas waktu yang ditetapkan",
              "agar pemilih tidak kehilangan hak pilihnya", "dengan disaksikan saksi pasangan calon",
              "di gudang logistik", "pada rapat pleno terbuka", "sejak pagi hari", "hingga larut malam",
              "dengan protokol yang ketat", "bersama pengawas pemilihan", "di hadapan awak media"]
CLOSERS = ["Kegiatan ini bertujuan meningkatkan partisipasi pemilih dalam Pilkada Serentak 2024.",
           "Masyarakat diimbau tidak mudah percaya pada hoaks dan memeriksa informasi di kanal resmi KPU.",
           "Pemilih yang belum terdaftar dapat melapor kepada PPS setempat dengan membawa KTP elektronik.",
           "Seluruh tahapan dilaksanakan secara transparan dan dapat diawasi oleh publik.",
           "Pemilih disabilitas akan mendapat pendampingan di TPS bila diperlukan.",
           "Hasil rapat pleno dituangkan dalam berita acara dan diumumkan kepada masyarakat.",
           "Peserta pemilihan diminta mematuhi aturan kampanye dan menjaga suasana yang kondusif.",
           "Informasi lebih lanjut dapat diperoleh di kantor KPU atau melalui laman resmi.",
           "KPPS wajib menempelkan salinan hasil penghitungan suara di TPS.",
           "Warga yang pindah domisili dapat mengurus pindah memilih paling lambat tiga puluh hari sebelum pemungutan "
           "suara."]
QUOTES = ["“Kami ingin setiap warga yang berhak memilih dapat menggunakan hak pilihnya,” ujarnya.",
          "“Pemilihan yang jujur dan adil adalah tanggung jawab kita bersama,” katanya.",
          "“Kami mengajak media ikut menyebarkan informasi yang benar tentang tahapan pemilihan,” tuturnya.",
          "“Jangan ragu datang ke TPS; pastikan nama Anda tercantum di daftar pemilih,” pesannya.",
          "“Rekapitulasi dilakukan berjenjang dan terbuka untuk disaksikan,” jelasnya."]
MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember"]
TITLE_PREFIXES = ["", "", "", "Pengumuman: ", "Siaran Pers: ", "Jelang Pilkada, ", "Tahapan Pemilihan: "]
KINDS = [("siaran-pers", 30), ("pengumuman", 25), ("berita", 30), ("infografis", 5), ("dokumen", 6), ("faq", 4)]

# What people type into the portal's search box: 1–3 words, inflected forms, a few abbreviations, a few misses.
SEARCH_QUERIES = [
    "pemilihan", "memilih", "dipilih", "pemilih", "terpilih", "rekapitulasi suara", "kampanye pemilu", "kampanye",
    "daftar pemilih tetap", "daftar pemilih", "TPS", "KPPS", "sosialisasi", "pemungutan suara", "penghitungan suara",
    "tahapan", "jadwal kampanye", "surat suara", "logistik", "debat publik", "pencalonan", "calon terpilih",
    "verifikasi faktual", "coklit", "pantarlih", "hoaks", "disabilitas", "pemilih pemula", "Sirekap",
    "dana kampanye", "masa tenang", "Bawaslu", "pelantikan KPPS", "dilantik", "mengumumkan", "diumumkan",
    "pengumuman DPT", "ditetapkan", "penetapan", "kotak suara", "bilik suara", "partisipasi pemilih", "Madiun",
    "Kecamatan Taman", "pindah memilih", "tinta", "rapat pleno", "alat peraga", "undangan memilih", "pemutakhiran",
    "pemilu 2024", "mencoblos", "KTP elektronik", "banjir", "vaksinasi", "sepak bola",
]


def _sentence(rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.45:
        text = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(ADVERBIALS)}"
    elif shape < 0.75:
        text = f"{rng.choice(OBJECTS).capitalize()} {rng.choice(PASSIVES)} oleh {rng.choice(SUBJECTS)} " \
               f"{rng.choice(ADVERBIALS)}"
    elif shape < 0.9:
        count = f"{rng.randint(12, 9000):,}".replace(",", ".")  # Indonesian thousands separator
        text = f"Pada {rng.randint(1, 28)} {rng.choice(MONTHS)} 2024, sebanyak {count} " \
               f"{rng.choice(['pemilih', 'petugas KPPS', 'surat suara', 'TPS', 'kotak suara'])} " \
               f"{rng.choice(PASSIVES)} di {rng.choice(PLACES)}"
    else:
        return rng.choice(CLOSERS)
    text = text[0].upper() + text[1:]
    return text + "."


def publication_text(rng: random.Random) -> tuple[str, str, str]:
    """(title, summary, Markdown body of 150–400 words)."""
    title = f"{rng.choice(TITLE_PREFIXES)}{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
    if rng.random() < 0.5:
        title += f" di {rng.choice(PLACES)}"
    title = title[0].upper() + title[1:]
    summary = _sentence(rng)
    target = rng.randint(150, 400)
    paragraphs, words = [], 0
    while words < target:
        sentences = [_sentence(rng) for _ in range(rng.randint(2, 5))]
        if rng.random() < 0.3:
            sentences.append(rng.choice(QUOTES))
        paragraph = " ".join(sentences)
        if rng.random() < 0.15:
            paragraph = f"**{rng.choice(OBJECTS).capitalize()}.** {paragraph}"
        paragraphs.append(paragraph)
        words += len(paragraph.split())
    return title[:200], summary[:300], "\n\n".join(paragraphs)


def publication_kind(rng: random.Random) -> str:
    kinds, weights = zip(*KINDS, strict=True)
    return rng.choices(kinds, weights)[0]
