from accounts.permissions import CAPABILITIES, can


def staff(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"perms_for": {cap.replace(".", "_"): can(user, cap) for cap in CAPABILITIES}}
