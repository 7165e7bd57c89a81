"""What each staff role may do. Views and the API ask can(); no other place decides."""

from accounts.models import Role

ALL_ROLES = frozenset(Role.values)

CAPABILITIES: dict[str, frozenset[str]] = {
    "registry.view": ALL_ROLES,
    "registry.edit": frozenset({Role.ADMIN, Role.EDITOR, Role.OPERATOR}),
    "registry.import": frozenset({Role.ADMIN, Role.EDITOR, Role.OPERATOR}),
    "registry.export": frozenset({Role.ADMIN, Role.EDITOR, Role.OPERATOR}),
    "registry.approve": frozenset({Role.ADMIN, Role.OPERATOR}),
    "registry.erase": frozenset({Role.ADMIN}),
    "audit.view": frozenset({Role.ADMIN}),
    "staff.manage": frozenset({Role.ADMIN}),
    "office.manage": frozenset({Role.ADMIN}),
    # Publications: operators and editors write; a second person with content.publish approves and publishes.
    "content.view": ALL_ROLES,
    "content.write": frozenset({Role.ADMIN, Role.EDITOR, Role.OPERATOR}),
    "content.publish": frozenset({Role.ADMIN, Role.EDITOR}),
    "elections.manage": frozenset({Role.ADMIN, Role.EDITOR}),
    # Broadcasts: operators and editors compose; a second person with broadcast.approve releases them.
    "broadcast.view": ALL_ROLES,
    "broadcast.write": frozenset({Role.ADMIN, Role.EDITOR, Role.OPERATOR}),
    "broadcast.approve": frozenset({Role.ADMIN, Role.EDITOR}),
    "channels.manage": frozenset({Role.ADMIN}),
    # Inbox: everyone reads their office's conversations; verifiers, operators, editors and admins answer.
    "inbox.view": ALL_ROLES,
    "inbox.reply": frozenset({Role.ADMIN, Role.EDITOR, Role.OPERATOR, Role.VERIFIER}),
    "inbox.manage": frozenset({Role.ADMIN, Role.EDITOR}),
    # Cek fakta: operators log reports; verifiers check claims and write clarifications; a second person with
    # factcheck.approve publishes them (and corrects or withdraws them later).
    "factcheck.view": ALL_ROLES,
    "factcheck.report": frozenset({Role.ADMIN, Role.EDITOR, Role.OPERATOR, Role.VERIFIER}),
    "factcheck.verify": frozenset({Role.ADMIN, Role.EDITOR, Role.VERIFIER}),
    "factcheck.approve": frozenset({Role.ADMIN, Role.EDITOR}),
    "factcheck.manage": frozenset({Role.ADMIN}),
}


def can(user, capability: str) -> bool:
    if not user.is_authenticated or not user.is_active or user.office_id is None:
        return False
    return user.role in CAPABILITIES[capability]


def can_edit_office(user, office) -> bool:
    """Writes stay in the user's own office; higher offices read their descendants' data."""
    return can(user, "registry.edit") and office.pk == user.office_id
