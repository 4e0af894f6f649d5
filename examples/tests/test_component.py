"""cache-component: a directly defined component attached to one service instance.

``component.delete()`` detaches it first (Proton deletes no attached component); its template
renders detached too.
"""

from __future__ import annotations

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1]
CACHE_COMPONENT = EXAMPLES / "component-templates" / "cache-component"


def test_cache_component_on_an_instance(proton_service, proton_component, shared_env, worker_template):
    service = proton_service(worker_template, environments=shared_env)
    instance = service.instances["orders-worker-dev"]
    component = proton_component(CACHE_COMPONENT, instance=instance)
    assert component.status == "SUCCEEDED"
    assert component.describe()["serviceInstanceName"] == instance.name
    assert set(component.outputs) == {"CacheEndpoint", "CachePort"}
    component.delete()
