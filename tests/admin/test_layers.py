"""The admin kit is floor (Django only, never a domain app), and the admin modules import only
downward: orders' admin and forms know nothing of logistics, crm's nothing of orders and above."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DOMAIN = {"catalog", "inventory", "orders", "logistics", "aftersales", "crm"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def imported_apps(path: Path) -> set[str]:
    return {name.split(".")[0] for name in imported_modules(path)}


def files(*patterns: str) -> list[Path]:
    return sorted(path for pattern in patterns for path in ROOT.glob(pattern))


@pytest.mark.parametrize(
    "path", files("retail/admin/*.py", "retail/changes.py"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_the_admin_kit_imports_no_domain_app(path):
    assert imported_apps(path) & DOMAIN == set()


@pytest.mark.parametrize(
    ("patterns", "forbidden"),
    [
        (("orders/admin.py", "orders/forms.py"), {"logistics", "aftersales"}),
        (("crm/admin/*.py", "crm/forms.py"), {"orders", "logistics", "aftersales"}),
    ],
)
def test_admin_modules_import_only_downward(patterns, forbidden):
    for path in files(*patterns):
        assert imported_apps(path) & forbidden == set(), path


def test_aftersales_admin_uses_the_kit_not_the_logistics_admin():
    assert not {"logistics.admin", "logistics.admin_actions"} & imported_modules(
        ROOT / "aftersales" / "admin.py"
    )


def test_logistics_admin_actions_module_is_gone():
    assert not (ROOT / "logistics" / "admin_actions.py").exists()
    assert (
        not (ROOT / "retail" / "admin.py").exists() and (ROOT / "retail" / "admin" / "__init__.py").exists()
    )
