"""Who may do what in an organisation: the one rule, read by the API and the pages.

Every organisation, project and sprint is read through a selector that keeps
only those of the user's organisations (all of them for staff) and annotates
the user's role as ``viewer_role``; anything else is "not found", so no
response tells whether another organisation's object exists.
"""

from __future__ import annotations

from enum import StrEnum

from assessments.models import Membership


class Action(StrEnum):
    READ = "read"  # any member, and staff
    EDIT = "edit"  # projects, sprints, case studies, metrics: owners and members
    MANAGE = "manage"  # the organisation and its members: owners


EDITORS = (Membership.Role.OWNER, Membership.Role.MEMBER)


def allows(*, role: str | None, is_staff: bool, action: Action) -> bool:
    """Whether a user with ``role`` in an organisation (None: not a member) may act."""
    if action is Action.READ:
        return role is not None or is_staff
    if action is Action.EDIT:
        return role in EDITORS
    return role == Membership.Role.OWNER
