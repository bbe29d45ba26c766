"""Static checks of deploy/: Dockerfiles, compose file, env templates and Kubernetes manifests.

Development and CI machines run no Docker engine and no cluster, so these tests parse the files and
check what a failed deployment would otherwise reveal: missing healthchecks and probes, wrong ports,
a root user, secrets baked in, commands that start modules the repository does not have.
No database, no network.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from tests.deploy.conftest import (
    ANALYTICS,
    API,
    DEPLOY,
    REPO_ROOT,
    SERVICE_IDS,
    SERVICES,
    Svc,
    arguments_of,
    dockerfile_instructions,
    parse_env_file,
)

K8S = DEPLOY / "k8s"
COMPOSE_FILE = DEPLOY / "compose.yaml"
YAML_FILES = sorted({*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml")})

UV_VERSION = "0.13.8"
BASE_IMAGE = "python:3.11-slim"
SECRET_NAME_PARTS = ("PASSWORD", "SECRET", "TOKEN", "API_KEY", "DATABASE_URL")
# Liveness (and the startup probe, which gates it) asks only whether the process answers; readiness whether
# it can serve: the API's database, analytics' API. A database outage then takes pods out of the Services
# instead of restarting every one of them, or every new one, which could not fix it.
PROBE_PATHS = {"startupProbe": "/health/live", "readinessProbe": "/health/ready", "livenessProbe": "/health/live"}
MODULE_PATTERN = re.compile(r"\bservices(?:\.[a-z_][a-z0-9_]*)+(?::[a-z_][a-z0-9_]*)?")


# ---- helpers --------------------------------------------------------------------------------------


def load_documents(path: Path) -> list[dict[str, Any]]:
    """Every non-empty YAML document of a file; each must be a mapping."""
    documents: list[dict[str, Any]] = []
    for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
        if document is None:
            continue
        assert isinstance(document, dict), f"{path.name}: a document is not a mapping"
        documents.append(document)
    return documents


def compose() -> dict[str, Any]:
    (document,) = load_documents(COMPOSE_FILE)
    return document


def compose_service(name: str) -> dict[str, Any]:
    services: dict[str, Any] = compose()["services"]
    service: dict[str, Any] = services[name]
    return service


def k8s_objects() -> list[dict[str, Any]]:
    """Every Kubernetes object of deploy/k8s (kustomization.yaml is kustomize's input, not an object)."""
    return [
        document
        for path in sorted(K8S.glob("*.yaml"))
        if path.name != "kustomization.yaml"
        for document in load_documents(path)
    ]


def k8s_object(kind: str, name: str) -> dict[str, Any]:
    matches = [obj for obj in k8s_objects() if obj["kind"] == kind and obj["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} named {name}, found {len(matches)}"
    return matches[0]


def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = workload["spec"]["template"]["spec"]["containers"]
    return found


def env_file_entries(service: dict[str, Any]) -> list[tuple[Path, bool]]:
    """(path, required) for each env_file entry of a compose service, short or long syntax."""
    raw = service.get("env_file", [])
    entries = [raw] if isinstance(raw, str | dict) else list(raw)
    result: list[tuple[Path, bool]] = []
    for entry in entries:
        if isinstance(entry, str):
            result.append((DEPLOY / entry, True))
        else:
            result.append((DEPLOY / entry["path"], bool(entry.get("required", True))))
    return result


def exec_form(arguments: str) -> list[str]:
    parsed = json.loads(arguments)
    assert isinstance(parsed, list)
    assert all(isinstance(part, str) for part in parsed)
    return parsed


def cpu_millicores(quantity: str | int | float) -> int:
    text = str(quantity)
    return int(text[:-1]) if text.endswith("m") else round(float(text) * 1000)


def memory_bytes(quantity: str | int) -> int:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 10**3, "M": 10**6, "G": 10**9}
    text = str(quantity)
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return int(float(text[: -len(suffix)]) * factor)
    return int(text)


def module_file(name: str) -> Path | None:
    """The file that `import name` executes from the repository root, if it is one of ours."""
    base = REPO_ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_names(path: Path) -> set[str]:
    """Absolute names of the modules (or module attributes) a file imports, relative imports resolved."""
    package = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def code_files_needed(entry_points: list[Path]) -> set[Path]:
    """Every file of ours (shared, services) that running the entry points imports, transitively."""
    needed: set[Path] = set()
    pending = list(entry_points)
    while pending:
        path = pending.pop()
        if path in needed:
            continue
        needed.add(path)
        for name in imported_names(path):
            if name.split(".")[0] not in {"shared", "services"}:
                continue
            parts = name.split(".")
            for depth in range(1, len(parts) + 1):  # a.b.c also runs a/__init__ and a/b/__init__
                found = module_file(".".join(parts[:depth]))
                if found is not None:
                    pending.append(found)
    return needed


def referenced_modules() -> set[str]:
    """Every `services.…` module (with `:attribute` when given) that a command in deploy/ starts."""
    texts = [path.read_text(encoding="utf-8") for path in (*YAML_FILES, API.dockerfile, ANALYTICS.dockerfile)]
    return {match for text in texts for match in MODULE_PATTERN.findall(text)}


# ---- every YAML file -------------------------------------------------------------------------------


def test_deploy_folder_has_yaml_files() -> None:
    assert COMPOSE_FILE in YAML_FILES
    assert len(YAML_FILES) >= 5


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda path: str(path.relative_to(DEPLOY)))
def test_yaml_file_parses(path: Path) -> None:
    assert load_documents(path), f"{path.name} holds no document"


# ---- compose -------------------------------------------------------------------------------------


def test_compose_defines_database_migration_and_both_services() -> None:
    assert {"postgres", "migrate", "api", "analytics"} <= set(compose()["services"])


@pytest.mark.parametrize("name", ["postgres", "api", "analytics"])
def test_long_running_compose_service_has_a_healthcheck(name: str) -> None:
    healthcheck = compose_service(name).get("healthcheck")
    assert healthcheck, f"{name} has no healthcheck"
    assert not healthcheck.get("disable", False)
    assert healthcheck["test"], f"{name}: empty healthcheck test"


@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_compose_healthcheck_calls_health_on_the_service_port(svc: Svc) -> None:
    test = " ".join(compose_service(svc.name)["healthcheck"]["test"])
    assert "/health" in test
    assert str(svc.port) in test


def test_compose_postgres_keeps_its_data_in_a_named_volume() -> None:
    postgres = compose_service("postgres")
    assert str(postgres["image"]).startswith("postgres:16")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    named = {str(volume).split(":", 1)[0] for volume in postgres["volumes"]}
    assert named & set(compose().get("volumes") or {}), "postgres data is not in a declared volume"
    assert "ports" not in postgres, "the database must not be published"


def test_compose_start_order_is_database_then_migrations_then_api_then_analytics() -> None:
    assert compose_service("migrate")["depends_on"]["postgres"]["condition"] == "service_healthy"
    api_dependencies = compose_service("api")["depends_on"]
    assert api_dependencies["migrate"]["condition"] == "service_completed_successfully"
    assert compose_service("analytics")["depends_on"]["api"]["condition"] == "service_healthy"


def test_compose_migrate_is_a_one_off_alembic_upgrade_with_the_api_image() -> None:
    migrate = compose_service("migrate")
    assert migrate["command"] == ["python", "-m", "services.local.migrate", "upgrade", "head"]
    assert migrate.get("restart", "no") == "no"
    assert migrate["image"] == compose_service("api")["image"]
    assert migrate["build"]["dockerfile"] == "deploy/api.Dockerfile"


@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_compose_builds_from_the_repository_root_with_the_service_dockerfile(svc: Svc) -> None:
    build = compose_service(svc.name)["build"]
    context = (DEPLOY / build["context"]).resolve()
    assert context == REPO_ROOT
    assert (context / build["dockerfile"]).resolve() == svc.dockerfile
    assert any(str(port).endswith(f":{svc.port}") for port in compose_service(svc.name)["ports"])


@pytest.mark.parametrize("name", ["postgres", "migrate", "api", "analytics"])
def test_compose_env_files_exist(name: str) -> None:
    entries = env_file_entries(compose_service(name))
    assert entries, f"{name} has no env_file"
    for path, required in entries:
        if required:
            assert path.is_file(), f"{name}: {path.relative_to(DEPLOY)} is missing"
            assert path.name.endswith(".env.example"), "only templates are committed"
        else:
            template = path.with_name(path.name + ".example")
            assert template.is_file(), f"{name}: optional {path.name} has no committed template"


def test_compose_api_and_migrate_read_the_api_env_and_analytics_its_own() -> None:
    for name in ("migrate", "api"):
        assert API.env_example in [path for path, _ in env_file_entries(compose_service(name))]
    assert ANALYTICS.env_example in [path for path, _ in env_file_entries(compose_service("analytics"))]


# ---- env templates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted((DEPLOY / "env").glob("*.env.example")), ids=lambda path: path.name)
def test_env_template_holds_placeholders_only(path: Path) -> None:
    for key, value in parse_env_file(path).items():
        if any(part in key for part in SECRET_NAME_PARTS):
            assert "change-me" in value, f"{path.name}: {key} must hold a placeholder"


def test_env_templates_define_each_service_configuration() -> None:
    api = parse_env_file(API.env_example)
    analytics = parse_env_file(ANALYTICS.env_example)
    assert api["DATABASE_URL"].startswith("postgresql://")
    assert api["API_PORT"] == str(API.port)
    assert analytics["ANALYTICS_PORT"] == str(ANALYTICS.port)
    target = urlsplit(analytics["API_BASE_URL"])
    assert (target.hostname, target.port) == ("api", API.port), "analytics must reach the compose api service"
    assert "PARTICIPA_ADMIN_API_KEY" not in api, "the optional admin key stays commented out in the template"


def test_api_template_password_matches_postgres_template() -> None:
    postgres = parse_env_file(DEPLOY / "env" / "postgres.env.example")
    url = urlsplit(parse_env_file(API.env_example)["DATABASE_URL"])
    assert (url.hostname, url.port) == ("postgres", 5432)
    assert url.username == postgres["POSTGRES_USER"]
    assert url.password == postgres["POSTGRES_PASSWORD"]
    assert url.path == "/" + postgres["POSTGRES_DB"]


# ---- Dockerfiles ---------------------------------------------------------------------------------


@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_dockerfile_is_multi_stage_on_python_311_slim(svc: Svc) -> None:
    stages = arguments_of(svc.dockerfile, "FROM")
    assert len(stages) >= 2, "expected a builder stage and a runtime stage"
    assert all(stage.split()[0] == BASE_IMAGE for stage in stages)


@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_dockerfile_installs_the_locked_service_group_with_pinned_uv(svc: Svc) -> None:
    text = " ".join(arguments for _, arguments in dockerfile_instructions(svc.dockerfile))
    assert f"ghcr.io/astral-sh/uv:{UV_VERSION}" in text or f"uv=={UV_VERSION}" in text
    sync = next(arguments for arguments in arguments_of(svc.dockerfile, "RUN") if "uv sync" in arguments)
    words = shlex.split(sync)
    assert {"--frozen", "--no-default-groups"} <= set(words)
    assert words[words.index("--group") + 1] == svc.group
    assert words.count("--group") == 1, "an image installs only its own dependency group"


@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_dockerfile_runs_as_a_non_root_user(svc: Svc) -> None:
    users = arguments_of(svc.dockerfile, "USER")
    assert users, "no USER instruction"
    user = users[-1].split(":", 1)[0]
    assert user not in {"root", "0"}
    last_from = max(i for i, (kw, _) in enumerate(dockerfile_instructions(svc.dockerfile)) if kw == "FROM")
    last_user = max(i for i, (kw, _) in enumerate(dockerfile_instructions(svc.dockerfile)) if kw == "USER")
    assert last_user > last_from, "the runtime stage must switch to the non-root user"


@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_dockerfile_exposes_and_health_checks_the_service_port(svc: Svc) -> None:
    assert arguments_of(svc.dockerfile, "EXPOSE") == [str(svc.port)]
    (healthcheck,) = arguments_of(svc.dockerfile, "HEALTHCHECK")
    _, _, command = healthcheck.partition("CMD ")
    probe = exec_form(command)
    assert probe[:2] == ["python", "-c"]
    for needle in ("urllib", "/health", svc.port_env, str(svc.port)):
        assert needle in probe[2]


@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_dockerfile_starts_uvicorn_with_the_app_factory(svc: Svc) -> None:
    (cmd,) = arguments_of(svc.dockerfile, "CMD")
    command = " ".join(exec_form(cmd))
    assert f"exec uvicorn {svc.app} --factory --host 0.0.0.0" in command
    assert f"${{{svc.port_env}:-{svc.port}}}" in command


@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_dockerfile_bakes_in_no_secret(svc: Svc) -> None:
    for keyword in ("ENV", "ARG"):
        for arguments in arguments_of(svc.dockerfile, keyword):
            names = [word.split("=", 1)[0] for word in shlex.split(arguments)]
            leaked = [name for name in names if any(part in name.upper() for part in SECRET_NAME_PARTS)]
            assert not leaked, f"{keyword} {leaked} in {svc.dockerfile.name}"


@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_dockerfile_copies_only_what_exists_and_never_the_other_service(svc: Svc) -> None:
    other = ANALYTICS if svc is API else API
    missing: list[str] = []
    for arguments in arguments_of(svc.dockerfile, "COPY"):
        if arguments.startswith("--from="):
            continue  # from another stage or image, not from the build context
        *sources, _ = shlex.split(arguments)
        for source in sources:
            assert not source.startswith(f"services/{other.name}"), f"{svc.name} image copies {source}"
            if not (REPO_ROOT / source).exists():
                missing.append(source)
    assert not [source for source in missing if not source.startswith("services/")], missing
    if missing:
        pytest.skip(f"not in the repository yet: {', '.join(missing)}")


@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_dockerfile_copies_every_module_the_service_imports(svc: Svc) -> None:
    entry_modules = [svc.app.partition(":")[0]]
    if svc is API:
        entry_modules.append("services.local.migrate")
    entry_points = [module_file(module) for module in entry_modules]
    if any(path is None for path in entry_points):
        pytest.skip(f"an entry point of {svc.name} does not exist yet: {entry_modules}")
    files = [path for path in entry_points if path is not None]
    if svc is API:  # Alembic loads the migration environment by path, not by import
        files.extend(path for path in [REPO_ROOT / "services/api/migrations/env.py"] if path.is_file())
    copied: list[str] = []
    for arguments in arguments_of(svc.dockerfile, "COPY"):
        if not arguments.startswith("--from="):
            copied.extend(source.rstrip("/") for source in shlex.split(arguments)[:-1])
    for path in sorted(code_files_needed(files)):
        relative = path.relative_to(REPO_ROOT).as_posix()
        assert any(relative == source or relative.startswith(source + "/") for source in copied), (
            f"{svc.dockerfile.name} does not copy {relative}"
        )


@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_dockerignore_sends_only_project_files(svc: Svc) -> None:
    ignore = svc.dockerfile.with_name(svc.dockerfile.name + ".dockerignore")
    patterns = [
        line.strip()
        for line in ignore.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "**", "start by excluding everything"
    included = {pattern[1:].rstrip("/") for pattern in patterns if pattern.startswith("!")}
    assert included == {"pyproject.toml", "uv.lock", "shared", "services"}


# ---- modules the commands start ----------------------------------------------------------------------


def test_commands_reference_the_expected_modules() -> None:
    modules = referenced_modules()
    assert {API.app, ANALYTICS.app, "services.local.migrate"} <= modules


@pytest.mark.parametrize("reference", sorted(referenced_modules()))
def test_referenced_module_exists_in_the_repository(reference: str) -> None:
    module, _, attribute = reference.partition(":")
    path = REPO_ROOT.joinpath(*module.split(".")).with_suffix(".py")
    if not path.is_file():
        pytest.skip(f"{path.relative_to(REPO_ROOT)} does not exist yet")
    if attribute:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)} | {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        assert attribute in defined, f"{path.relative_to(REPO_ROOT)} defines no {attribute}"


# ---- Kubernetes --------------------------------------------------------------------------------------


def test_every_k8s_object_is_namespaced_and_labelled() -> None:
    for obj in k8s_objects():
        metadata = obj["metadata"]
        assert obj.get("apiVersion"), f"{obj['kind']} {metadata['name']} has no apiVersion"
        assert metadata.get("labels", {}).get("app.kubernetes.io/part-of") == "participa"
        if obj["kind"] != "Namespace":
            assert metadata.get("namespace") == "participa", f"{obj['kind']} {metadata['name']}"


def test_every_deployment_probes_health_and_requests_resources() -> None:
    deployments = [obj for obj in k8s_objects() if obj["kind"] == "Deployment"]
    assert {obj["metadata"]["name"] for obj in deployments} == {API.deployment, ANALYTICS.deployment}
    for deployment in deployments:
        name = deployment["metadata"]["name"]
        assert deployment["spec"]["replicas"] == 2, name
        for container in containers(deployment):
            ports = {port["name"]: port["containerPort"] for port in container["ports"]}
            for probe_name in ("readinessProbe", "livenessProbe"):
                assert container.get(probe_name), f"{name}: no {probe_name}"
            for probe_name, path in PROBE_PATHS.items():
                probe = container.get(probe_name)
                if probe is None:
                    continue  # only the startup probe is optional
                assert probe["httpGet"]["path"] == path, f"{name}: {probe_name} must ask {path}"
                assert probe["httpGet"]["port"] in {*ports, *ports.values()}, f"{name}: {probe_name} port"
            requests = container["resources"]["requests"]
            assert {"cpu", "memory"} <= set(requests), f"{name}: resource requests"
            assert container["resources"]["limits"]["memory"], f"{name}: memory limit"


@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_probed_paths_are_served_by_the_service(svc: Svc) -> None:
    entry_point = module_file(svc.app.partition(":")[0])
    assert entry_point is not None
    sources = [path.read_text(encoding="utf-8") for path in code_files_needed([entry_point])]
    for path in sorted(set(PROBE_PATHS.values())):
        assert any(f'"{path}"' in source for source in sources), f"{svc.name} defines no route {path}"


@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_deployment_runs_the_service_port_as_non_root(svc: Svc) -> None:
    deployment = k8s_object("Deployment", svc.deployment)
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["enableServiceLinks"] is False
    (container,) = containers(deployment)
    assert [port["containerPort"] for port in container["ports"]] == [svc.port]
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_one_pod_of_each_service_fits_a_two_core_node() -> None:
    pods = [k8s_object("Deployment", svc.deployment) for svc in SERVICES]
    requested = sum(cpu_millicores(c["resources"]["requests"]["cpu"]) for pod in pods for c in containers(pod))
    assert requested <= 1000, "leave room on a 2-core node for autoscaled API pods"
    for pod in pods:
        for container in containers(pod):
            resources = container["resources"]
            assert cpu_millicores(resources["limits"]["cpu"]) <= 2000
            assert memory_bytes(resources["requests"]["memory"]) <= memory_bytes(resources["limits"]["memory"])


@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_service_selects_its_deployment_on_the_named_port(svc: Svc) -> None:
    service = k8s_object("Service", svc.deployment)
    labels = k8s_object("Deployment", svc.deployment)["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    (port,) = service["spec"]["ports"]
    assert port["port"] == svc.port
    container_ports = {p["name"] for c in containers(k8s_object("Deployment", svc.deployment)) for p in c["ports"]}
    assert port["targetPort"] in container_ports


def test_autoscaler_targets_the_api_deployment() -> None:
    hpa = k8s_object("HorizontalPodAutoscaler", API.deployment)
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": API.deployment,
    }
    assert hpa["spec"]["minReplicas"] == k8s_object("Deployment", API.deployment)["spec"]["replicas"]
    assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]


def test_migration_job_runs_alembic_head_with_the_api_image() -> None:
    job = k8s_object("Job", "participa-migrate")
    assert job["spec"]["template"]["spec"]["restartPolicy"] in {"Never", "OnFailure"}
    (container,) = containers(job)
    assert container["command"] == ["python", "-m", "services.local.migrate", "upgrade", "head"]
    (api_container,) = containers(k8s_object("Deployment", API.deployment))
    assert container["image"] == api_container["image"]
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])


def test_analytics_config_points_at_the_api_service() -> None:
    config = k8s_object("ConfigMap", "participa-analytics-config")["data"]
    target = urlsplit(config["API_BASE_URL"])
    service = k8s_object("Service", API.deployment)
    assert target.hostname == service["metadata"]["name"]
    assert target.port == service["spec"]["ports"][0]["port"]
    assert k8s_object("ConfigMap", "participa-api-config")["data"]["API_PORT"] == str(API.port)


def test_workloads_reference_defined_config_maps_and_secrets() -> None:
    defined = {(obj["kind"], obj["metadata"]["name"]) for obj in k8s_objects()}
    secret_keys = k8s_object("Secret", "participa-api-secrets")["stringData"]
    for workload in (obj for obj in k8s_objects() if obj["kind"] in {"Deployment", "Job"}):
        for container in containers(workload):
            for source in container.get("envFrom", []):
                for field, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                    if field in source:
                        assert (kind, source[field]["name"]) in defined
            for variable in container.get("env", []):
                key_ref = variable.get("valueFrom", {}).get("secretKeyRef")
                if key_ref:
                    assert ("Secret", key_ref["name"]) in defined
                    assert key_ref["key"] in secret_keys


def test_secret_example_holds_placeholders_only() -> None:
    secret = k8s_object("Secret", "participa-api-secrets")
    assert "data" not in secret, "examples use readable stringData placeholders"
    for key, value in secret["stringData"].items():
        assert "REPLACE_ME" in value, f"{key} must be a placeholder"


def test_kustomization_applies_everything_but_the_secret_example_and_the_job() -> None:
    (kustomization,) = load_documents(K8S / "kustomization.yaml")
    resources = set(kustomization["resources"])
    assert all((K8S / resource).is_file() for resource in resources)
    manifests = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert manifests - resources == {"secret.example.yaml", "migrate-job.yaml"}


# ---- README ----------------------------------------------------------------------------------------


def test_readme_documents_every_configuration_variable() -> None:
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    variables = {key for path in (DEPLOY / "env").glob("*.env.example") for key in parse_env_file(path)}
    variables |= {"PARTICIPA_ADMIN_API_KEY"}
    for obj in k8s_objects():
        if obj["kind"] in {"ConfigMap", "Secret"}:
            variables |= set(obj.get("data", {})) | set(obj.get("stringData", {}))
    missing = sorted(variable for variable in variables if f"`{variable}`" not in readme)
    assert not missing, f"deploy/README.md does not document {missing}"
