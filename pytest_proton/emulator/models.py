"""ProtonBackend: Proton's state for one account and region (moto builds one per pair lazily)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend

from pytest_proton.emulator.arns import build_arn, parse_arn
from pytest_proton.emulator.backend_components import ComponentsMixin
from pytest_proton.emulator.backend_connections import ConnectionsMixin
from pytest_proton.emulator.backend_deployments import DeploymentsMixin
from pytest_proton.emulator.backend_environments import EnvironmentsMixin
from pytest_proton.emulator.backend_service_instances import ServiceInstancesMixin
from pytest_proton.emulator.backend_services import ServicesMixin
from pytest_proton.emulator.backend_sync import SyncMixin
from pytest_proton.emulator.backend_templates import TemplatesMixin
from pytest_proton.emulator.clock import Clock, get_clock
from pytest_proton.emulator.connections import (
    MAX_CONNECTIONS_PER_ENVIRONMENT_ACCOUNT,
    EnvironmentAccountConnection,
)
from pytest_proton.emulator.environments import (
    MAX_ENVIRONMENTS,
    Deployment,
    Environment,
)
from pytest_proton.emulator.exceptions import (
    ResourceNotFoundException,
)
from pytest_proton.emulator.idempotency import ClientTokens, Recent
from pytest_proton.emulator.services import (
    MAX_INSTANCES_PER_SERVICE,
    MAX_SERVICES,
    Service,
)
from pytest_proton.emulator.tags import TagStore, tags_to_dict
from pytest_proton.emulator.templates import ENVIRONMENT_TEMPLATE, SERVICE_TEMPLATE, Template, TemplateKind
from pytest_proton.emulator.versions import (
    TemplateVersion,
)


class ProtonBackend(
    TemplatesMixin,
    EnvironmentsMixin,
    ConnectionsMixin,
    ServicesMixin,
    ServiceInstancesMixin,
    ComponentsMixin,
    DeploymentsMixin,
    SyncMixin,
    BaseBackend,
):
    """Every Proton resource of one account in one region.

    ``lock`` serialises operations: moto's server answers requests on several threads.

    ``mutating`` is True while a mutating operation runs (see :meth:`operation`): only reads (Get*,
    List*) settle deployments and deletions, as a client polling AWS sees them progress; a direct
    call of a backend method counts as a read.
    """

    #: operations that read (and so may settle what is in progress); every other operation mutates
    READ_PREFIXES = ("Get", "List")

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.lock = threading.RLock()
        self.mutating = False
        self.clock: Clock | None = None  # None: the process-wide clock (see clock.py)
        self.templates: dict[TemplateKind, dict[str, Template]] = {ENVIRONMENT_TEMPLATE: {}, SERVICE_TEMPLATE: {}}
        # Metadata of deleted templates, returned by a retried delete (the seed's idempotent deletes);
        # the most recent DELETED_KEPT of each kind (idempotency.Recent).
        self.deleted_templates: dict[TemplateKind, Recent[str, Template]] = {
            ENVIRONMENT_TEMPLATE: Recent(),
            SERVICE_TEMPLATE: Recent(),
        }
        # Metadata of deleted versions, keyed by (template name, "major.minor"), for retried deletes.
        self.deleted_versions: dict[TemplateKind, Recent[tuple[str, str], TemplateVersion]] = {
            ENVIRONMENT_TEMPLATE: Recent(),
            SERVICE_TEMPLATE: Recent(),
        }
        self.client_tokens = ClientTokens()
        self.tags = TagStore()
        self.environments: dict[str, Environment] = {}
        self.deployments: dict[str, Deployment] = {}
        self.environment_quota = MAX_ENVIRONMENTS
        self.services: dict[str, Service] = {}
        self.service_quota = MAX_SERVICES
        self.instance_quota = MAX_INSTANCES_PER_SERVICE
        # Connections made in this (environment) account, and deleted ones for retried deletes.
        self.connections: dict[str, EnvironmentAccountConnection] = {}
        self.deleted_connections: Recent[str, EnvironmentAccountConnection] = Recent()
        self.connection_quota = MAX_CONNECTIONS_PER_ENVIRONMENT_ACCOUNT
        self.init_components()
        self._init_sync()  # repositories, template/service sync, account settings (backend_sync.py)

    @contextmanager
    def operation(self, name: str) -> Iterator[None]:
        """Run the operation ``name`` (under ``lock``): reads settle deployments, mutating calls do not."""
        previous, self.mutating = self.mutating, not name.startswith(self.READ_PREFIXES)
        try:
            yield
        finally:
            self.mutating = previous

    def now(self) -> datetime:
        return (self.clock or get_clock()).now()

    def arn(self, resource_type: str, resource_id: str) -> str:
        return build_arn(self.region_name, self.account_id, resource_type, resource_id)

    def taggable_arn(self, arn: str) -> str:
        """``arn`` if it names an existing taggable resource here, else ResourceNotFoundException."""
        parsed = parse_arn(arn)
        if parsed and parsed.region == self.region_name and parsed.account == self.account_id:
            if parsed.resource_type == "environment" and parsed.resource_id in self.environments:
                return arn
            if parsed.resource_type == "environment-account-connection" and parsed.resource_id in self.connections:
                return arn
            # Linked repositories (backend_sync.py): repository/<provider>:<owner/repo>
            if parsed.resource_type == "repository" and self.repository_by_resource_id(parsed.resource_id):
                return arn
            if parsed.resource_type == "component" and parsed.resource_id in self.components:
                return arn
            if parsed.resource_type == "service":
                service_name, _, rest = parsed.resource_id.partition("/service-instance/")
                service = self.services.get(service_name)
                if service is not None and (not rest or rest in service.instances):
                    return arn
            for kind, store in self.templates.items():
                if parsed.resource_type != kind.arn_type:
                    continue
                name, _, label = parsed.resource_id.partition(":")
                if name in store and (not label or label in store[name].versions):
                    return arn
        raise ResourceNotFoundException(f"The resource '{arn}' was not found")

    def tag_resource(self, arn: str, tags: list[dict[str, Any]]) -> None:
        self.tags.add(self.taggable_arn(arn), tags_to_dict(tags))

    def untag_resource(self, arn: str, keys: list[str]) -> None:
        self.tags.remove(self.taggable_arn(arn), keys)

    def list_tags(self, arn: str) -> dict[str, str]:
        return self.tags.get(self.taggable_arn(arn))


proton_backends = BackendDict(ProtonBackend, "proton")
