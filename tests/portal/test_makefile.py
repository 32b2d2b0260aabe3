"""The Makefile keeps its promises.

`make run` works (every manage.py step of its recipe but the server runs as written) and
installs the runtime only; `make test` installs the tools and Debian's Chromium, or says in
one line what to install; the lock files are what `make lock` makes of pyproject.toml.
Make's logic is checked with `make -n` and with a fake PATH, never by uninstalling anything.
"""

import os
import re
import shlex
import shutil
import subprocess
import tomllib
from importlib import metadata
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command, get_commands
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from accounts.models import User
from cooperation.models import Agreement

MAKEFILE = Path(django_settings.BASE_DIR) / "Makefile"


def _run_recipe_commands() -> list[list[str]]:
    """The `manage.py` lines of the `run:` recipe, as argument lists."""
    commands, in_run = [], False
    for line in MAKEFILE.read_text().splitlines():
        if line.startswith("run:"):
            in_run = True
            continue
        if in_run and not line.startswith("\t"):
            if line.strip() and not line.startswith("run:"):
                break
            continue
        if in_run and "manage.py" in line:
            # A command sent to the background ends at its `&`.
            commands.append(shlex.split(line.split("manage.py", 1)[1].split("&")[0]))
    return commands


def test_make_run_recipe_is_what_this_test_expects():
    names = [command[0] for command in _run_recipe_commands()]
    assert names == ["migrate", "load_demo", "create_demo_users", "db_worker", "runserver"]


@pytest.mark.django_db
def test_make_run_steps_accept_their_arguments_and_leave_a_usable_portal(settings):
    settings.DEBUG = True  # as `make run` sets it
    for name, *args in _run_recipe_commands():
        if name in ("runserver", "db_worker"):  # the two that run until stopped
            assert name in get_commands()
            continue
        call_command(name, *args, stdout=StringIO(), verbosity=0)

    assert Agreement.objects.count() == 10
    assert User.objects.filter(email="curator@contours.local").exists()


# ---- installing: `make run` takes the runtime only, `make test` adds the tools ---------------

REPO = Path(django_settings.BASE_DIR)
MAKE = shutil.which("make")
TEST_AND_LINT_TOOLS = {
    "pytest",
    "pytest-django",
    "pytest-xdist",
    "hypothesis",
    "factory-boy",
    "ruff",
    "playwright",
    "schemathesis",
}


# Under `make test` this suite inherits make's own variables (MAKEFLAGS carries a command
# line's PYTEST_ARGS=…); the make runs below must see only what each test gives them.
MAKE_VARIABLES = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PYTEST_ARGS", "VENV", "CONTOURS_CHROMIUM"}


def _clean_env() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name not in MAKE_VARIABLES}


def _make_dry_run(*args: str, venv: Path) -> list[str]:
    """What `make -n ARGS` would run in this repository with its venv at `venv`."""
    result = subprocess.run(
        [MAKE, "--no-print-directory", "-n", *args, f"VENV={venv}"],
        cwd=REPO,
        env=_clean_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.splitlines()


def _installs(lines: list[str]) -> list[str]:
    """The lock files that the `pip install -r` lines install, in order."""
    return [line.split(" -r ", 1)[1].split()[0] for line in lines if "pip install" in line]


def _stamps(venv: Path, *names: str) -> None:
    venv.mkdir(parents=True, exist_ok=True)
    for name in names:
        (venv / name).touch()


def test_make_run_on_a_fresh_clone_installs_the_runtime_lock_only(tmp_path):
    lines = _make_dry_run("run", venv=tmp_path / "venv")
    assert _installs(lines) == ["requirements.txt"]
    assert not any("chromium" in line for line in lines)


def test_the_runtime_lock_holds_no_test_or_lint_tool():
    assert not TEST_AND_LINT_TOOLS & set(_pins(REPO / "requirements.txt"))
    assert set(_pins(REPO / "requirements-dev.txt")) >= TEST_AND_LINT_TOOLS


def test_make_test_on_a_fresh_clone_installs_both_locks_and_chromium_before_anything_runs(
    tmp_path,
):
    lines = _make_dry_run("test", venv=tmp_path / "venv")
    assert _installs(lines) == ["requirements.txt", "requirements-dev.txt"]
    chromium = next(i for i, line in enumerate(lines) if "chromium" in line)
    first_check = next(i for i, line in enumerate(lines) if "ruff check" in line)
    assert chromium < first_check
    assert lines[-1].endswith("-m pytest -n auto")


def test_make_test_after_make_run_adds_the_tools(tmp_path):
    venv = tmp_path / "venv"
    _stamps(venv, ".created", ".installed-runtime")
    assert _installs(_make_dry_run("test", venv=venv)) == ["requirements-dev.txt"]


def test_make_run_after_make_test_installs_nothing_more(tmp_path):
    venv = tmp_path / "venv"
    _stamps(venv, ".created", ".installed-runtime", ".installed-dev")
    assert _installs(_make_dry_run("run", venv=venv)) == []
    assert _installs(_make_dry_run("test", venv=venv)) == []


def test_a_changed_runtime_lock_reinstalls_for_both_commands(tmp_path):
    venv = tmp_path / "venv"
    _stamps(venv, ".created", ".installed-runtime", ".installed-dev")
    older = (REPO / "requirements.txt").stat().st_mtime - 60
    os.utime(venv / ".installed-runtime", (older, older))
    assert _installs(_make_dry_run("run", venv=venv)) == ["requirements.txt"]
    assert _installs(_make_dry_run("test", venv=venv)) == [
        "requirements.txt",
        "requirements-dev.txt",
    ]


def test_make_bench_needs_only_the_runtime(tmp_path):
    lines = _make_dry_run("bench", venv=tmp_path / "venv")
    assert _installs(lines) == ["requirements.txt"]


# ---- Chromium: `make test` installs Debian's, or says in one line what to install ------------

FAKE_APT_GET = """#!/bin/sh
# Records each call; `install` creates the browser, after an `update` if FAIL_UNTIL_UPDATE.
echo "$*" >> "{log}"
case "$1" in
  update) /usr/bin/touch "{updated}" ;;
  install)
    if [ -n "$FAIL_UNTIL_UPDATE" ] && [ ! -e "{updated}" ]; then exit 100; fi
    printf '#!/bin/sh\\n' > "$CONTOURS_CHROMIUM" && /bin/chmod +x "$CONTOURS_CHROMIUM" ;;
esac
"""


class FakeMachine:
    """A PATH holding only a fake `id` and, if asked, a fake `apt-get` that logs its calls.

    The real /usr/bin stays off PATH, so the machine's own apt-get and chromium are out of
    reach; the browser's path is a file in the temporary directory that does not exist yet.
    """

    def __init__(self, root: Path, *, uid: int = 0, apt_get: bool = True):
        self.bin = root / "bin"
        self.bin.mkdir()
        self.log = root / "apt-get.log"
        self.chromium = root / "chromium"
        self._script("id", f"#!/bin/sh\necho {uid}\n")
        self._script("cat", '#!/bin/sh\nexec /bin/cat "$@"\n')
        if apt_get:
            self._script(
                "apt-get",
                FAKE_APT_GET.format(log=self.log, updated=root / "apt-lists-updated"),
            )

    def _script(self, name: str, text: str) -> None:
        path = self.bin / name
        path.write_text(text)
        path.chmod(0o755)

    def make(self, target: str = "chromium", **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [MAKE, "--no-print-directory", "-s", target],
            cwd=REPO,
            env={"PATH": str(self.bin), "CONTOURS_CHROMIUM": str(self.chromium), **env},
            capture_output=True,
            text=True,
        )

    @property
    def apt_calls(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


def _one_line(result: subprocess.CompletedProcess) -> str:
    """The one line of ours that a refusal prints (make adds its own `make: ***` line)."""
    ours = [line for line in result.stderr.splitlines() if not line.startswith("make: ***")]
    assert len(ours) == 1, result.stderr
    assert ours[0].startswith("make test: ")
    return ours[0]


def test_chromium_already_there_installs_nothing(tmp_path):
    machine = FakeMachine(tmp_path)
    machine.chromium.write_text("#!/bin/sh\n")
    machine.chromium.chmod(0o755)
    result = machine.make()
    assert result.returncode == 0, result.stderr
    assert machine.apt_calls == []


def test_missing_chromium_is_installed_with_apt_get(tmp_path):
    machine = FakeMachine(tmp_path)
    result = machine.make()
    assert result.returncode == 0, result.stderr
    assert machine.apt_calls == ["install -y -qq chromium"]
    assert machine.chromium.exists()
    assert "installing Debian's chromium" in result.stdout


def test_missing_chromium_on_a_machine_with_empty_package_lists_updates_them_first(tmp_path):
    machine = FakeMachine(tmp_path)
    result = machine.make(FAIL_UNTIL_UPDATE="1")
    assert result.returncode == 0, result.stderr
    assert machine.apt_calls == [
        "install -y -qq chromium",
        "update -qq",
        "install -y -qq chromium",
    ]


def test_apt_get_that_cannot_install_chromium_fails_at_once_with_one_line(tmp_path):
    machine = FakeMachine(tmp_path)
    (machine.bin / "apt-get").write_text(f'#!/bin/sh\necho "$*" >> "{machine.log}"\nexit 100\n')
    result = machine.make()
    assert result.returncode != 0
    assert machine.apt_calls == ["install -y -qq chromium", "update -qq"]
    assert _one_line(result).startswith("make test: apt-get could not install chromium")


def test_missing_chromium_without_root_fails_at_once_saying_what_to_install(tmp_path):
    machine = FakeMachine(tmp_path, uid=1000)
    result = machine.make()
    assert result.returncode != 0
    assert machine.apt_calls == []
    assert "sudo apt-get install chromium" in _one_line(result)


def test_missing_chromium_without_apt_get_fails_at_once_saying_what_to_install(tmp_path):
    machine = FakeMachine(tmp_path, apt_get=False)
    result = machine.make()
    assert result.returncode != 0
    assert str(machine.chromium) in _one_line(result)


def test_make_test_stops_before_the_suite_when_chromium_cannot_be_had(tmp_path):
    machine = FakeMachine(tmp_path, uid=1000)
    # The venv stamps are up to date, so make would go straight on to ruff and pytest.
    venv = tmp_path / "venv"
    _stamps(venv, ".created", ".installed-runtime", ".installed-dev")
    result = machine.make("test", VENV=str(venv))
    assert result.returncode != 0
    assert "ruff" not in result.stdout + result.stderr


def test_leaving_the_browser_tests_out_leaves_chromium_alone(tmp_path):
    lines = _make_dry_run("test", "PYTEST_ARGS=-m 'not browser'", venv=tmp_path / "venv")
    assert not any("chromium" in line for line in lines)


def test_the_browser_tests_launch_the_chromium_make_checks():
    makefile = MAKEFILE.read_text()
    assert "export CONTOURS_CHROMIUM ?= /usr/bin/chromium" in makefile
    conftest = (REPO / "tests" / "browser" / "conftest.py").read_text()
    assert 'os.environ.get("CONTOURS_CHROMIUM", "/usr/bin/chromium")' in conftest


def test_no_browser_is_ever_downloaded():
    for name in ("Makefile", ".ci/run", "Dockerfile"):
        assert "playwright install" not in (REPO / name).read_text(), name


def test_ci_runs_make_test_on_sqlite_then_postgresql():
    commands = [
        line
        for line in (REPO / ".ci" / "run").read_text().splitlines()
        if "make test" in line and not line.startswith(("#", "echo"))
    ]
    assert commands == [
        "env -u DATABASE_URL make test PYTEST_ARGS=\"-n auto -m 'not probe'\"",
        'DATABASE_URL="$PG_URL" make test PYTEST_ARGS="-n auto -m \'not browser\'"',
    ]


def test_ci_runs_every_test_once_at_least():
    # Each leg leaves out one marker; nothing may be left out of both.
    script = (REPO / ".ci" / "run").read_text()
    left_out = re.findall(r"-m 'not (\w+)'", script)
    assert sorted(left_out) == ["browser", "probe"]


# ---- lock files: generated by `make lock` from pyproject.toml ---------------------------------

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
LOCK_HEADER = ["# This file was autogenerated by uv via the following command:", "#    make lock"]


def _pins(path: Path) -> dict[str, str]:
    """A lock file's `name==version` lines, by canonical name; anything else is refused."""
    pins = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, separator, version = line.partition("==")
        assert separator and version.strip(), f"{path.name}: not pinned: {line!r}"
        assert canonicalize_name(name) not in pins, f"{path.name}: twice: {name}"
        pins[canonicalize_name(name)] = version.strip()
    return pins


def _closure(requirements: list[str]) -> dict[str, list[Requirement]]:
    """Every distribution `requirements` need, as the installed metadata says, with what
    asked for each (markers evaluated for this Python, extras followed)."""
    needed: dict[str, list[Requirement]] = {}
    todo = [Requirement(text) for text in requirements]
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        first_time = name not in needed
        needed.setdefault(name, []).append(requirement)
        extras = requirement.extras
        if not first_time and not extras:
            continue
        for text in metadata.requires(name) or []:
            dependency = Requirement(text)
            marker = dependency.marker
            wanted = (
                marker is None
                or marker.evaluate({"extra": ""})
                or any(marker.evaluate({"extra": extra}) for extra in extras)
            )
            if wanted:
                todo.append(dependency)
    return needed


def _assert_lock_is_the_closure(lock: Path, requirements: list[str]) -> None:
    pins = _pins(lock)
    needed = _closure(requirements)
    assert set(pins) == set(needed), (
        f"{lock.name} is not what `make lock` makes of pyproject.toml: "
        f"missing {sorted(set(needed) - set(pins))}, extra {sorted(set(pins) - set(needed))}"
    )
    for name, asked in needed.items():
        installed = metadata.version(name)
        assert installed == pins[name], (
            f"{name}: the venv has {installed}, {lock.name} pins {pins[name]} (make install)"
        )
        for requirement in asked:
            assert requirement.specifier.contains(pins[name], prereleases=True), (
                f"{lock.name} pins {name}=={pins[name]}, but {requirement} is asked"
            )


def test_the_lock_files_say_they_are_generated_by_make_lock():
    for name in ("requirements.txt", "requirements-dev.txt"):
        assert (REPO / name).read_text().splitlines()[:2] == LOCK_HEADER, name


def test_requirements_txt_is_exactly_the_runtime_dependencies_of_pyproject_pinned():
    _assert_lock_is_the_closure(REPO / "requirements.txt", PYPROJECT["dependencies"])


def test_requirements_dev_txt_is_exactly_every_dependency_of_pyproject_pinned():
    extras = PYPROJECT["optional-dependencies"]
    assert set(extras) == {"dev", "bench"}
    _assert_lock_is_the_closure(
        REPO / "requirements-dev.txt",
        PYPROJECT["dependencies"] + extras["dev"] + extras["bench"],
    )


def test_both_lock_files_pin_a_shared_package_to_the_same_version():
    runtime, dev = _pins(REPO / "requirements.txt"), _pins(REPO / "requirements-dev.txt")
    assert {name: dev[name] for name in runtime} == runtime


def test_the_bench_extra_needs_no_lock_file_of_its_own():
    # `make bench` installs requirements.txt only; a bench-only package would need its own lock.
    bench = _closure(PYPROJECT["optional-dependencies"]["bench"])
    missing = set(bench) - set(_pins(REPO / "requirements.txt"))
    assert not missing, f"the bench extra needs {missing}: give `make lock` a bench lock file"


def test_make_lock_runs_a_pinned_uv_on_pyproject_toml(tmp_path):
    assert re.search(r"^UV_VERSION := \d+\.\d+\.\d+$", MAKEFILE.read_text(), re.MULTILINE)
    lines = _make_dry_run("lock", venv=tmp_path / "venv")
    compiles = [line for line in lines if " pip compile " in line]
    assert len(compiles) == 2
    assert all("pyproject.toml" in line and "--python-version 3.12" in line for line in compiles)
    assert compiles[0].endswith("-o requirements.txt")
    assert compiles[1].endswith("-o requirements-dev.txt")
