"""docker-compose.yml and the Dockerfile point at things that exist."""

import importlib
import importlib.util
import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ["migrate", "web", "worker", "exports-worker", "beat"]
PACKAGES = ["config", "core", "accounts", "surveys", "assessments", "reports"]

# env("NAME"), env.bool("NAME"), env.int(...), env.list(...), env.path(...),
# env.db(...), env.email_url(...), possibly with the name on the next line.
_ENV_READ = re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")
_SETDEFAULT = re.compile(r"""os\.environ\.setdefault\(\s*["']([A-Z][A-Z0-9_]*)["']""")


@pytest.fixture(scope="module")
def compose() -> dict:
    # SafeLoader resolves the "<<: *app" merge keys.
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _command(service: dict) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def _environment(service: dict) -> dict:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(item.partition("=")[::2] for item in environment)
    return environment


def _settings_env_names() -> set[str]:
    names = {"DJANGO_SETTINGS_MODULE"}
    paths = [*(ROOT / "config" / "settings").glob("*.py"), ROOT / "config" / "paths.py"]
    for path in paths:
        text = path.read_text()
        names.update(_ENV_READ.findall(text))
        names.update(_SETDEFAULT.findall(text))
    return names


def _check_wsgi_target(target: str) -> None:
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(module_name)
    assert callable(getattr(module, attribute)), target


def test_the_env_scan_finds_the_settings_reads():
    names = _settings_env_names()
    # Sanity of the regex: one of each form, including a multi-line call.
    assert {
        "DJANGO_SECRET_KEY",
        "DJANGO_DEBUG",
        "DJANGO_ALLOWED_HOSTS",
        "DATABASE_URL",
        "DATA_DIR",
        "STATIC_ROOT",
        "EMAIL_URL",
        "DEFAULT_FROM_EMAIL",
        "CELERY_TASK_TIME_LIMIT",
    } <= names


def test_every_service_exists(services):
    assert {"postgres", "redis", "web", "worker", "beat", "migrate"} <= set(services)


@pytest.mark.parametrize(
    "name", ["postgres", "redis", "web", "worker", "exports-worker"]
)
def test_long_running_services_have_a_healthcheck(services, name):
    healthcheck = services[name].get("healthcheck") or {}
    assert healthcheck.get("test"), f"{name} has no healthcheck"


def test_every_service_healthy_dependency_has_a_healthcheck(services):
    for name, service in services.items():
        depends_on = service.get("depends_on") or {}
        if isinstance(depends_on, list):
            continue
        for dependency, spec in depends_on.items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            if spec.get("condition") == "service_healthy":
                assert services[dependency].get("healthcheck"), (
                    f"{name} waits for {dependency} to be healthy, "
                    f"but {dependency} has no healthcheck"
                )


def test_app_services_share_the_image_and_the_production_settings(services):
    for name in APP_SERVICES:
        service = services[name]
        assert service["image"] == "mlops-maturity:latest", name
        module = _environment(service)["DJANGO_SETTINGS_MODULE"]
        assert importlib.util.find_spec(module) is not None, module


def test_app_services_use_the_postgres_service_not_an_embedded_server(services):
    # Production settings need DATABASE_URL; only local settings without it
    # start the run command's embedded server.
    for name in APP_SERVICES:
        environment = _environment(services[name])
        assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        database = urlparse(environment["DATABASE_URL"])
        assert database.scheme == "postgres", name
        assert database.hostname == "postgres", name
        assert services[database.hostname]["image"].startswith("postgres:")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_command_points_at_something_real(services, name):
    command = _command(services[name])
    program = command[0]
    if program == "gunicorn":
        target = next(arg for arg in command[1:] if ":" in arg and "=" not in arg)
        assert target == "config.wsgi:application"
        _check_wsgi_target(target)
        _check_gunicorn_config(command)
    elif program == "celery":
        app_module = command[command.index("-A") + 1]
        assert app_module == "config"
        module = importlib.import_module(f"{app_module}.celery")
        assert module.app.main == "mlops_maturity"
        assert command[command.index("-A") + 2] in {"worker", "beat"}
    elif program == "python":
        assert command[1] == "manage.py"
        assert command[2] in get_commands(), f"no management command {command[2]}"
    else:
        pytest.fail(f"{name}: unexpected program {program!r}")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_environment_is_read_by_the_settings(services, name):
    known = _settings_env_names()
    unknown = set(_environment(services[name])) - known
    assert not unknown, f"{name} sets variables no setting reads: {sorted(unknown)}"


def test_postgres_data_volume_is_declared(compose, services):
    named = [
        volume.split(":", 1)[0]
        for volume in services["postgres"]["volumes"]
        if not volume.startswith((".", "/"))
    ]
    assert named, "postgres keeps its data in no named volume"
    declared = set(compose.get("volumes") or {})
    assert set(named) <= declared


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_dockerfile_cmd_module_is_importable():
    commands = [
        rest for keyword, rest in _dockerfile_instructions() if keyword == "CMD"
    ]
    assert commands, "the Dockerfile has no CMD"
    command = json.loads(commands[-1])
    assert command[0] == "gunicorn"
    target = next(arg for arg in command[1:] if ":" in arg and "=" not in arg)
    _check_wsgi_target(target)
    _check_gunicorn_config(command)


def _check_gunicorn_config(command: list[str]) -> None:
    """The config file exists, and its logger (which redacts tokens) imports."""
    import runpy

    from django.utils.module_loading import import_string

    path = ROOT / command[command.index("--config") + 1]
    values = runpy.run_path(str(path))
    assert values["logger_class"] == "core.logging.GunicornLogger"
    assert import_string(values["logger_class"])


def test_dockerfile_copies_every_package_before_installing():
    instructions = _dockerfile_instructions()
    install = next(
        index
        for index, (keyword, rest) in enumerate(instructions)
        if keyword == "RUN" and "pip install" in rest
    )
    copied = set()
    for keyword, rest in instructions[:install]:
        if keyword == "COPY":
            *sources, _destination = rest.split()
            copied.update(source.rstrip("/") for source in sources)
    # Every top-level Python package the project ships (tests excluded).
    discovered = {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in {"tests", "bench"}  # bench is not in the image
    }
    assert set(PACKAGES) <= discovered
    missing = (set(PACKAGES) | discovered) - copied
    assert not missing, f"not copied before pip install: {sorted(missing)}"


def test_dockerfile_copy_sources_exist_in_the_build_context():
    ignored = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for keyword, rest in _dockerfile_instructions():
        if keyword != "COPY" or rest.startswith("--from"):
            continue
        *sources, _destination = rest.split()
        for source in sources:
            if source == ".":
                continue
            assert (ROOT / source).exists(), f"COPY {source}: no such file"
            assert source not in ignored, f"COPY {source}: excluded by .dockerignore"


def test_exports_have_their_own_worker_sharing_the_files(services):
    command = _command(services["exports-worker"])
    assert command[command.index("-Q") + 1] == "exports"
    folder = _environment(services["exports-worker"])["EXPORTS_DIR"]
    releases = _environment(services["exports-worker"])["RELEASES_DIR"]
    for name in ["web", "worker", "exports-worker"]:  # serve, expire, write
        assert _environment(services[name])["EXPORTS_DIR"] == folder
        assert _environment(services[name])["RELEASES_DIR"] == releases
        for path in (folder, releases):
            assert any(v.endswith(":" + path) for v in services[name]["volumes"])
