"""Several clients hitting one ThreadedMotoServer at once: no lost or duplicated updates."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from .servers import Target, over_http

THREADS = 8
ROUNDS = 6
ROLE = "arn:aws:iam::123456789012:role/proton"


@pytest.fixture
def server(aws_credentials: None) -> Iterator[Target]:
    with over_http() as target:
        target.stock_bundles()
        target.client.create_environment_template(name="shared")
        target.client.create_environment_template_version(
            templateName="shared", source={"s3": {"bucket": "bundles", "key": "env.tar.gz"}}
        )
        target.client.update_environment_template_version(
            templateName="shared", majorVersion="1", minorVersion="0", status="PUBLISHED"
        )
        yield target


def _worker(target: Target, index: int, errors: list[BaseException], barrier: threading.Barrier) -> None:
    client = target.new_client()  # boto3 clients are thread-safe, but one per thread is the usual pattern
    shared = client.get_environment_template(name="shared")["environmentTemplate"]["arn"]
    try:
        barrier.wait()
        for round_ in range(ROUNDS):
            name = f"t{index}-{round_}"
            client.create_environment_template(name=name, tags=[{"key": "owner", "value": str(index)}])
            client.update_environment_template(name=name, description=f"round {round_}")
            client.tag_resource(resourceArn=shared, tags=[{"key": f"k{index}-{round_}", "value": "v"}])
            client.create_environment(
                name=f"e{index}-{round_}",
                templateName="shared",
                templateMajorVersion="1",
                spec="proton: EnvironmentSpec\n",
                protonServiceRoleArn=ROLE,
            )
            if round_ % 2:  # delete every other template again, and its tag from the shared template
                client.delete_environment_template(name=name)
                client.untag_resource(resourceArn=shared, tagKeys=[f"k{index}-{round_}"])
            client.list_environment_templates()
            client.get_environment(name=f"e{index}-{round_}")
    except BaseException as error:  # noqa: BLE001 - reported by the main thread
        errors.append(error)


def test_concurrent_clients(server: Target) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)
    threads = [threading.Thread(target=_worker, args=(server, i, errors, barrier)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    client = server.client

    templates = _all(client.list_environment_templates, "templates")
    names = [t["name"] for t in templates]
    expected = {f"t{i}-{r}" for i in range(THREADS) for r in range(ROUNDS) if r % 2 == 0} | {"shared"}
    assert sorted(names) == sorted(expected)  # each exactly once, deleted ones gone
    for template in templates:
        if template["name"] == "shared":
            continue
        index, round_ = template["name"][1:].split("-")
        got = client.get_environment_template(name=template["name"])["environmentTemplate"]
        assert got["description"] == f"round {round_}"
        assert client.list_tags_for_resource(resourceArn=got["arn"])["tags"] == [{"key": "owner", "value": index}]

    shared = client.get_environment_template(name="shared")["environmentTemplate"]["arn"]
    tags = _all(lambda **kw: client.list_tags_for_resource(resourceArn=shared, **kw), "tags")
    assert sorted(t["key"] for t in tags) == sorted(
        f"k{i}-{r}" for i in range(THREADS) for r in range(ROUNDS) if r % 2 == 0
    )

    environments = _all(client.list_environments, "environments")
    assert sorted(e["name"] for e in environments) == sorted(f"e{i}-{r}" for i in range(THREADS) for r in range(ROUNDS))
    assert {e["deploymentStatus"] for e in environments} == {"SUCCEEDED"}
    deployments = _all(client.list_deployments, "deployments")
    assert len(deployments) == THREADS * ROUNDS  # one per environment, none duplicated
    assert len({d["id"] for d in deployments}) == THREADS * ROUNDS


def _all(method: Any, key: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = method(**({"nextToken": token} if token else {}), maxResults=10)
        items += page[key]
        token = page.get("nextToken")
        if not token:
            return items
