"""Which Candor role the identity provider's groups give a person (`OIDC_ROLE_GROUPS`)."""

import logging

from accounts.roles import ROLES

logger = logging.getLogger(__name__)


def role_groups(spec: str) -> dict[str, str]:
    """ "vp=cs-leaders,csm=cs-team" -> {"cs-leaders": "vp", "cs-team": "csm"}. A role Candor does
    not have (admin, say) is ignored with a warning; a malformed pair is an error."""
    mapping = {}
    for pair in filter(None, (item.strip() for item in spec.split(","))):
        role, sep, group = (part.strip() for part in pair.partition("="))
        if not sep or not role or not group:
            raise ValueError(f"OIDC_ROLE_GROUPS: {pair!r} is not role=group.")
        if role not in ROLES:
            logger.warning("OIDC_ROLE_GROUPS: Candor has no role %r; %r is ignored.", role, group)
            continue
        mapping[group] = role
    return mapping


def role_for(groups, mapping: dict[str, str]) -> str | None:
    """The strongest role any of the groups maps to, or None."""
    if isinstance(groups, str):
        groups = [groups]
    given = {mapping[group] for group in groups or [] if group in mapping}
    return next((role for role in ROLES if role in given), None)
