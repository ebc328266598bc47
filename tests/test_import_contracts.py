"""The layer rules are import-linter contracts in pyproject.toml (`lint-imports`, run by .ci/run).

Here only the guard is guarded: a contract the code breaks must make `lint-imports` fail, and an
import inside a function must count, so a kept contract means something.
"""

import shutil
import subprocess
from pathlib import Path

LINT_IMPORTS = shutil.which("lint-imports")

BROKEN_CONTRACT = """
[importlinter]
root_package = chat_console
include_external_packages = True

[importlinter:contract:store-no-clock]
name = The store never reads the protocol (false: it stores its models)
type = forbidden
source_modules = chat_console.store
forbidden_modules = chat_console.protocol

[importlinter:contract:launch-no-server]
name = The demo starts no server (false: launch.py imports it inside a function)
type = forbidden
source_modules = chat_console.launch
forbidden_modules = chat_console.server
"""


def lint_imports(config: Path) -> subprocess.CompletedProcess[str]:
    assert LINT_IMPORTS is not None, "import-linter is in the test extra"
    return subprocess.run(
        [LINT_IMPORTS, "--config", str(config), "--no-cache"],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_contract_the_code_breaks_fails_lint_imports(tmp_path: Path) -> None:
    config = tmp_path / "contracts.ini"
    config.write_text(BROKEN_CONTRACT)
    result = lint_imports(config)
    assert result.returncode != 0
    assert (
        "The store never reads the protocol (false: it stores its models) BROKEN" in result.stdout
    )
    assert "(false: launch.py imports it inside a function) BROKEN" in result.stdout
