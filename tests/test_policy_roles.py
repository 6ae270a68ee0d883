"""Role decisions live in portal/policy.py: nowhere else compares a role or restates a rule.

Two checks walk every module of portal/ with ast:

- no code outside the policy and the models compares a role (``user.role == Role.CHAIR``,
  ``role in (...)``, ``User.role.in_([...])``, a ``match`` on a role);
- no code outside the web layer (the views, the API, the templates' helpers) asks
  ``has_permission`` itself: a service asks a named policy function, so each rule is written
  once, in the policy.

The allow-list names the few places that compare a role without deciding anything, each with
its reason. The policy functions those checks point to are tested below, against the rules
they replace.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

import portal
from portal import policy
from portal.extensions import db
from portal.models import Action, Meeting, Role, User
from tests import factories

PORTAL = Path(portal.__file__).parent

#: Where roles may be compared freely: the policy decides, the models define and store them.
DECIDERS = ("policy.py", "models/")

#: Modules of the web layer, which may ask has_permission(current_user, ...) directly.
WEB_LAYER = ("views.py", "api/", "templating.py")

#: Names whose value is a role (``role``, ``new_role``) or the Role enum itself.
ROLE_ATTRIBUTES = {"role"}

#: SQL comparisons written as methods (``User.role.in_([...])``).
SQL_COMPARISONS = {"in_", "not_in", "notin_", "is_", "is_not", "isnot", "like", "ilike"}

#: (module, function) -> why it may compare a role or ask has_permission. Nothing here
#: decides who may do or read what.
ALLOWED: dict[tuple[str, str], str] = {
    # Changing a user's role: compares the old role with the new one to audit only a change.
    ("admin/services.py", "change_role"): "stores a role",
}


#: The demo casts its made-up people (who logs, who chairs, who is at a meeting) by role: it
#: writes demo data and grants nothing, and the policy still decides what each of them may do.
#: Named by its package.
DEMO = ("demo/",)


def _mentions_role(node: ast.AST) -> bool:
    """Whether an expression reads a role: ``x.role``, ``role``, ``new_role``, ``Role...``."""
    for part in ast.walk(node):
        if isinstance(part, ast.Attribute) and part.attr in ROLE_ATTRIBUTES:
            return True
        if isinstance(part, ast.Name) and (
            part.id == "Role" or part.id == "role" or part.id.endswith("_role")
        ):
            return True
    return False


def _compares_role(node: ast.AST) -> bool:
    """Whether this node compares a role (==, !=, is, in, a SQL in_/is_, or a match)."""
    if isinstance(node, ast.Compare):
        return any(_mentions_role(side) for side in [node.left, *node.comparators])
    if isinstance(node, ast.Match):
        return _mentions_role(node.subject)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in SQL_COMPARISONS
    ):
        return _mentions_role(node.func.value) or any(_mentions_role(a) for a in node.args)
    return False


def _asks_has_permission(node: ast.AST) -> bool:
    """Whether this node calls has_permission (however it was imported)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name == "has_permission"


def _walk_with_scope(tree: ast.Module) -> Iterator[tuple[str, ast.AST]]:
    """Every node of the module with the qualified name of the function or class around it."""

    def visit(node: ast.AST, scope: list[str]) -> Iterator[tuple[str, ast.AST]]:
        for child in ast.iter_child_nodes(node):
            yield ".".join(scope) or "<module>", child
            named = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            yield from visit(child, [*scope, child.name] if named else scope)

    yield from visit(tree, [])


def _modules() -> list[tuple[str, ast.Module]]:
    """Every Python module of portal/, by its path inside the package."""
    found = []
    for path in sorted(PORTAL.rglob("*.py")):
        relative = path.relative_to(PORTAL).as_posix()
        found.append((relative, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))))
    return found


def _findings() -> dict[tuple[str, str], list[str]]:
    """(module, function) -> what it does that only the policy should: the lines and why."""
    found: dict[tuple[str, str], list[str]] = {}
    for module, tree in _modules():
        if module.startswith(DECIDERS):
            continue
        web = module.endswith(WEB_LAYER) or module.startswith(WEB_LAYER)
        for scope, node in _walk_with_scope(tree):
            if _compares_role(node):
                what = "compares a role"
            elif _asks_has_permission(node) and not web:
                what = "asks has_permission instead of a named policy function"
            else:
                continue
            line = getattr(node, "lineno", 0)
            found.setdefault((module, scope), []).append(f"{module}:{line} {what}")
    return found


def _allowed(place: tuple[str, str]) -> bool:
    """Whether the allow-list (or the demo's casting) covers this module and function."""
    return place in ALLOWED or place[0].startswith(DEMO)


def test_no_role_is_compared_and_no_rule_restated_outside_the_policy():
    """A role decision made anywhere but portal/policy.py (or the models) fails here."""
    unexpected = [
        line for place, lines in _findings().items() if not _allowed(place) for line in lines
    ]
    assert not unexpected, (
        "Role decisions belong in portal/policy.py: add a named policy function and call it "
        "(or, for code that only shows or stores a role, an ALLOWED entry saying so):\n"
        + "\n".join(unexpected)
    )


def test_every_allowed_place_still_needs_its_entry():
    """An allow-list entry whose place no longer compares a role is removed, not kept."""
    found = _findings()
    stale = sorted(set(ALLOWED) - set(found))
    assert not stale, f"These ALLOWED entries are no longer needed: {stale}"
    assert any(module.startswith(DEMO) for module, _function in found), "DEMO is not needed"


@pytest.mark.parametrize(
    "source",
    [
        "user.role == Role.CHAIR",
        "Role(user.role) is not Role.ADMIN",
        "role in (Role.MEMBER, Role.CHAIR)",
        "new_role != user.role",
        "User.role.in_([Role.CHAIR, Role.MEMBER])",
        "Role.CHAIR in roles",
        "match user.role:\n    case _:\n        pass",
    ],
)
def test_the_check_sees_each_way_of_comparing_a_role(source):
    tree = ast.parse(source)
    assert any(_compares_role(node) for node in ast.walk(tree))


@pytest.mark.parametrize(
    "source",
    [
        "f'{user.role:<7}'",
        "Role(role.strip().lower())",
        "ROLE_CHOICES = [(Role.VIEWER.value, 'Viewer')]",
        "user.agency_id == agency.id",
    ],
)
def test_the_check_leaves_showing_or_parsing_a_role_alone(source):
    tree = ast.parse(source)
    assert not any(_compares_role(node) for node in ast.walk(tree))


# --- The policy functions the checks send code to ---------------------------------------

ROLES_THAT_LOG = {Role.MEMBER, Role.CHAIR}


@pytest.mark.parametrize("role", list(Role))
def test_the_dashboard_is_for_everyone_but_administrators(app, role):
    user = factories.user(role, factories.agency("MERTON"))
    assert policy.can_see_dashboard(user) is (role is not Role.ADMIN)
    assert not policy.can_see_dashboard(factories.user(role, active=False))


@pytest.mark.parametrize("role", list(Role))
def test_only_chairs_run_concerns_and_embargoes(app, role):
    user = factories.user(role, factories.agency("MERTON"))
    assert policy.can_run_concerns(user) is (role is Role.CHAIR)


@pytest.mark.parametrize("role", list(Role))
def test_updating_ones_own_agencys_actions_agrees_with_can_update_action(app, role):
    agency = factories.agency("MERTON")
    user = factories.user(role, agency)
    chair = factories.user(Role.CHAIR, factories.agency("MPS"))
    # Neither is saved: the policy reads only who chairs, who is invited and who owns.
    meeting = Meeting(title="Quality", chair_id=chair.id, held_on=date(2026, 1, 5))
    action = Action(description="Visit", owner_agency_id=agency.id)
    may = policy.can_update_agency_actions(user)
    assert may is policy.can_update_action(user, action, meeting)
    assert may is (role in ROLES_THAT_LOG)


def test_intelligence_loggers_are_those_who_may_log_chairs_first(app):
    agency = factories.agency("MERTON")
    users = {role: factories.user(role, agency) for role in Role}
    db.session.flush()
    found = db.session.scalars(
        sa.select(User)
        .where(User.agency_id == agency.id, policy.intelligence_loggers_clause())
        .order_by(policy.chairs_first(), User.id)
    ).all()
    assert {u.id for u in found} == {u.id for u in users.values() if policy.can_log_intelligence(u)}
    assert [u.id for u in found] == [users[Role.CHAIR].id, users[Role.MEMBER].id]
    assert set(policy.roles_with(policy.Permission.LOG_INTELLIGENCE)) == ROLES_THAT_LOG
