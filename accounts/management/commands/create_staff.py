import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role
from accounts.services import create_staff
from offices.selectors import office_by_code


class Command(BaseCommand):
    help = "Membuat akun staf satker (mis. admin pertama sebuah satker)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--office", required=True, help="kode satker, mis. 00 (KPU RI) atau 35.77")
        parser.add_argument("--role", default=Role.ADMIN, choices=Role.values)
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="tanpa opsi ini kata sandi ditanyakan")

    def handle(self, *args, **options):
        office = office_by_code(options["office"])
        if office is None:
            raise CommandError(f"Kode satker tidak dikenal: {options['office']!r}")
        password = options["password"] or getpass.getpass("Kata sandi: ")
        from django.contrib.auth.password_validation import validate_password

        try:
            validate_password(password)
            user = create_staff(actor=None, office=office, username=options["username"], role=options["role"],
                                password=password, email=options["email"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"{user.username}: {user.get_role_display()} di {office.name}"))
