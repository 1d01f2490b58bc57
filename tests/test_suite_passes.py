"""scripts/test.sh: pass 2 (SQLite) leaves out what pass 1 already ran in its configuration.

A module that starts the web tier with ``tests/support/webtier.py`` runs it on a fresh SQLite data dir
whatever ``DATABASE_URL`` says, so pass 1 already ran it in pass 2's configuration: it must be listed
in ``not_in_pass_2``. Every listed file must exist (a renamed file would run twice again).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _left_out_of_pass_2() -> set[str]:
    script = (ROOT / "scripts" / "test.sh").read_text()
    block = re.search(r"^not_in_pass_2=\((.*?)^\)", script, re.S | re.M)
    assert block, "scripts/test.sh has no not_in_pass_2 list"
    return set(block.group(1).split())


def test_every_module_that_starts_the_web_tier_is_left_out_of_pass_2():
    starters = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("test_*.py")
        if path != Path(__file__).resolve() and "from tests.support.webtier import" in path.read_text()
    }
    assert starters, "no test starts the web tier: the check below would prove nothing"
    assert starters - _left_out_of_pass_2() == set()


def test_every_file_left_out_of_pass_2_exists():
    assert [name for name in _left_out_of_pass_2() if not (ROOT / name).is_file()] == []
