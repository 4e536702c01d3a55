"""deploy/kubernetes/: every container is given the settings its process needs, and every secret
it reads is one that create-secret asks the operator for. (`make validate-deploy` checks the
manifests against the Kubernetes schemas; this checks what the schemas cannot.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.access import ACTION_TOKEN_ENV

MANIFESTS = Path(__file__).resolve().parents[1] / "deploy" / "kubernetes"

# what each process reads from its environment and cannot run without (optional ones, such as
# WeChat's, are left out)
NEEDS = {
    "bot.server": {"REDIS_URL", "WIDGET_SESSION_SECRET", "ALLOWED_ORIGINS"},
    "bot.action_server": {ACTION_TOKEN_ENV, "BOOKING_API_URL", "BOOKING_API_TOKEN",
                          "BOOKING_DATABASE_URL", "REDIS_URL"},
    "bot.booking": {"BOOKING_API_TOKEN", "BOOKING_DATABASE_URL"},
    "bot.staff": {"BOOKING_DATABASE_URL", "STAFF_SESSION_SECRET", "REDIS_URL"},
}
# read when set: the Rasa HTTP API is off without its token
ALSO_READS = {"bot.server": {"RASA_API_TOKEN"}}


def _documents() -> list[dict[str, Any]]:
    return [document for path in sorted(MANIFESTS.glob("*.yaml"))
            for document in yaml.safe_load_all(path.read_text(encoding="utf-8")) if document]


def _of_kind(kind: str) -> list[dict[str, Any]]:
    return [d for d in _documents() if d["kind"] == kind]


def _config() -> dict[str, str]:
    return _of_kind("ConfigMap")[0]["data"]


def _containers() -> list[dict[str, Any]]:
    return [container for d in _of_kind("Deployment")
            for container in d["spec"]["template"]["spec"]["containers"]]


def _module(container: dict[str, Any]) -> str:
    command = container["command"]
    return command[command.index("-m") + 1]


def _given(container: dict[str, Any]) -> set[str]:
    names = {entry["name"] for entry in container.get("env", [])}
    if any("configMapRef" in source for source in container.get("envFrom", [])):
        names |= {key for key in _config() if re.fullmatch(r"[A-Z][A-Z0-9_]*", key)}
    return names


def test_every_process_of_the_assistant_is_deployed() -> None:
    assert {_module(container) for container in _containers()} == set(NEEDS)


def _needed(container: dict[str, Any]) -> set[str]:
    needed = set(NEEDS[_module(container)])
    if "--endpoints" in container["command"]:
        # Rasa fills ${...} in endpoints.yml from the environment, and fails on a missing one;
        # the other processes read its tracker_store section only
        endpoints = _config()["endpoints.yml"]
        if _module(container) != "bot.server":
            endpoints = yaml.safe_dump(yaml.safe_load(endpoints)["tracker_store"])
        needed |= set(re.findall(r"\$\{(\w+)\}", endpoints))
    return needed


@pytest.mark.parametrize("container", _containers(), ids=lambda c: c["name"])
def test_each_container_is_given_what_its_process_needs(container: dict[str, Any]) -> None:
    needed = _needed(container)
    assert needed <= _given(container), sorted(needed - _given(container))


@pytest.mark.parametrize("container", _containers(), ids=lambda c: c["name"])
def test_no_container_is_given_a_required_secret_its_process_does_not_read(
        container: dict[str, Any]) -> None:
    given = {entry["name"] for entry in container.get("env", [])
             if "secretKeyRef" in entry.get("valueFrom", {})
             and not entry["valueFrom"]["secretKeyRef"].get("optional")}
    read = _needed(container) | ALSO_READS.get(_module(container), set())
    assert given <= read, sorted(given - read)


def test_every_secret_read_is_one_the_operator_is_asked_for() -> None:
    script = (MANIFESTS / "create-secret").read_text(encoding="utf-8")
    listed = {name: set(re.search(rf"{name}=\(([^)]*)\)", script)[1].split())
              for name in ("required", "optional")}
    for container in _containers():
        for entry in container.get("env", []):
            reference = entry.get("valueFrom", {}).get("secretKeyRef")
            if reference:
                kind = "optional" if reference.get("optional") else "required"
                assert reference["key"] in listed[kind], (container["name"], reference["key"])


# who may connect to each Deployment's pods: another of our Deployments (by name), or the pods of
# namespaces with these labels
ADMITTED = {
    "rasa": {"namespace": {"kubernetes.io/metadata.name": "ingress-nginx"}},
    "action-server": {"pods": "rasa"},
    "booking": {"pods": "action-server"},
    "staff-desk": {"namespace": {"jiangmen-assistant/staff-desk-access": "true"}},
}


def test_the_namespace_admits_nothing_a_policy_does_not_list() -> None:
    assert any(p["spec"]["podSelector"] == {} and p["spec"]["policyTypes"] == ["Ingress"]
               and not p["spec"].get("ingress") for p in _of_kind("NetworkPolicy"))


@pytest.mark.parametrize("deployment", _of_kind("Deployment"),
                         ids=lambda d: d["metadata"]["name"])
def test_each_deployment_admits_only_its_callers_on_its_port(deployment: dict[str, Any]) -> None:
    pod = deployment["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"]
    rules = [rule for p in _of_kind("NetworkPolicy")
             if p["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name") == pod
             for rule in p["spec"].get("ingress", [])]
    ports = {port["containerPort"] for c in deployment["spec"]["template"]["spec"]["containers"]
             for port in c.get("ports", [])}
    admitted = ADMITTED[pod]
    expected_source = ({"podSelector": {"matchLabels": {"app.kubernetes.io/name": admitted["pods"]}}}
                       if "pods" in admitted else
                       {"namespaceSelector": {"matchLabels": admitted["namespace"]},
                        "podSelector": {}})
    assert rules == [{"from": [expected_source], "ports": [{"port": port} for port in ports]}]


def _pods_of(service: dict[str, Any]) -> list[dict[str, Any]]:
    """The Deployments whose pods the Service selects."""
    selector = service["spec"]["selector"].items()
    return [d for d in _of_kind("Deployment")
            if selector <= d["spec"]["template"]["metadata"]["labels"].items()]


@pytest.mark.parametrize("service", _of_kind("Service"), ids=lambda s: s["metadata"]["name"])
def test_each_service_selects_a_deployment_on_a_port_it_listens_on(
        service: dict[str, Any]) -> None:
    deployments = _pods_of(service)
    assert len(deployments) == 1, service["metadata"]["name"]
    ports = [port for c in deployments[0]["spec"]["template"]["spec"]["containers"]
             for port in c.get("ports", [])]
    for port in service["spec"]["ports"]:
        target = port["targetPort"]
        assert any(target in (p.get("name"), p["containerPort"]) for p in ports), port


def test_the_ingress_autoscalers_and_urls_name_what_exists() -> None:
    services = {s["metadata"]["name"]: s for s in _of_kind("Service")}
    for ingress in _of_kind("Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                port_names = {p["name"] for p in services[backend["name"]]["spec"]["ports"]}
                assert backend["port"]["name"] in port_names, path["path"]
    deployments = {d["metadata"]["name"] for d in _of_kind("Deployment")}
    for autoscaler in _of_kind("HorizontalPodAutoscaler"):
        assert autoscaler["spec"]["scaleTargetRef"]["name"] in deployments
    # the addresses one process gives another (BOOKING_API_URL, the action endpoint)
    addresses = re.findall(r"http://([a-z0-9-]+):(\d+)", yaml.safe_dump(_config()))
    assert addresses
    for host, port in addresses:
        assert int(port) in {p["port"] for p in services[host]["spec"]["ports"]}, host
