import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from audit.models import AuditEntry


def test_it_creates_the_first_admin_of_an_office(offices):
    call_command("create_staff", "admin.ri", "--office", "00", "--password", "sangat-rahasia-2024!")
    user = User.objects.get(username="admin.ri")
    assert (user.office.code, user.role) == ("00", "admin")
    assert user.password.startswith("md5$") or user.check_password("sangat-rahasia-2024!")
    assert AuditEntry.objects.filter(action="staff.created", target_id=str(user.pk)).exists()


@pytest.mark.parametrize(("args", "message"), [
    (["x", "--office", "99", "--password", "sangat-rahasia-2024!"], "tidak dikenal"),
    (["x", "--office", "00", "--password", "123"], "short"),
])
def test_it_refuses_bad_input(offices, args, message):
    with pytest.raises(CommandError):
        call_command("create_staff", *args)
