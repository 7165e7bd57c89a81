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


def test_changes_in_the_admin_site_are_audited(offices, client):
    from offices.models import Office

    admin = User.objects.create_superuser("root", "root@example.id", "sangat-rahasia-2024!")
    client.force_login(admin)
    staff = User.objects.create_user("budi", password="sangat-rahasia-2024!", office=Office.objects.get(code="35.77"))
    data = {"username": "budi", "first_name": "", "last_name": "", "email": "", "is_active": "on",
            "office": staff.office_id, "role": "admin", "date_joined_0": "2024-01-01", "date_joined_1": "00:00:00"}
    response = client.post(f"/admin/accounts/user/{staff.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    entry = AuditEntry.objects.get(action="staff.updated_in_admin")
    assert entry.after["role"] == "admin" and entry.actor == admin
