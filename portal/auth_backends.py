"""Django's and allauth's authentication backends, except that the user behind each request
comes with its roles and whether it has a TOTP authenticator, read in the same query.

Every signed-in page needs both (portal.roles.roles_of, portal.middleware.RequireMFAMiddleware):
as annotations of the user row they cost no query of their own.
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models.expressions import RawSQL


def user_with_roles(user_id: Any) -> Any | None:
    """The user, annotated with `_portal_group_names` and `_portal_has_totp`; None if gone."""
    User = get_user_model()
    tables = _tables()
    # Only the models' own table names go into the SQL; the one value is a parameter.
    group_names = RawSQL(_GROUP_NAMES.format(**tables), ())  # noqa: S611
    has_totp = RawSQL(_HAS_TOTP.format(**tables), (Authenticator.Type.TOTP,))  # noqa: S611
    try:
        return User._default_manager.annotate(
            _portal_group_names=group_names, _portal_has_totp=has_totp
        ).get(pk=user_id)
    except User.DoesNotExist:
        return None


# Written as SQL: the same subqueries as ORM expressions (ArraySubquery, Exists) cost twice as
# much to compile as the two queries they replace. Table names from the models' own meta.
_GROUP_NAMES = (
    "SELECT ARRAY(SELECT g.name FROM {group} g JOIN {user_groups} ug ON ug.group_id = g.id"
    " WHERE ug.user_id = {user}.id)"
)
_HAS_TOTP = (
    "SELECT EXISTS(SELECT 1 FROM {authenticator} a WHERE a.user_id = {user}.id AND a.type = %s)"
)


def _tables() -> dict[str, str]:
    User = get_user_model()
    quote = connection.ops.quote_name
    return {
        "user": quote(User._meta.db_table),
        "group": quote(Group._meta.db_table),
        "user_groups": quote(User.groups.through._meta.db_table),
        "authenticator": quote(Authenticator._meta.db_table),
    }


class _LoadsRoles:
    def get_user(self, user_id: Any) -> Any | None:
        user = user_with_roles(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class PortalModelBackend(_LoadsRoles, ModelBackend):
    pass


class PortalAuthenticationBackend(_LoadsRoles, AuthenticationBackend):
    pass
