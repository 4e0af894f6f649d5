"""ProtonBackend: Proton's state for one account and region (moto builds one per pair lazily)."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend

from pytest_proton.emulator.arns import build_arn, parse_arn
from pytest_proton.emulator.clock import Clock, get_clock
from pytest_proton.emulator.exceptions import ConflictException, ResourceNotFoundException
from pytest_proton.emulator.idempotency import canonical_request, check_retry
from pytest_proton.emulator.tags import TagStore, tags_to_dict
from pytest_proton.emulator.templates import ENVIRONMENT_TEMPLATE, SERVICE_TEMPLATE, Template, TemplateKind


class ProtonBackend(BaseBackend):
    """Every Proton resource of one account in one region.

    ``lock`` serialises operations: moto's server answers requests on several threads.
    """

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.lock = threading.RLock()
        self.clock: Clock | None = None  # None: the process-wide clock (see clock.py)
        self.templates: dict[TemplateKind, dict[str, Template]] = {ENVIRONMENT_TEMPLATE: {}, SERVICE_TEMPLATE: {}}
        # Metadata of deleted templates, returned by a retried delete (the seed's idempotent deletes).
        self.deleted_templates: dict[TemplateKind, dict[str, Template]] = {
            ENVIRONMENT_TEMPLATE: {},
            SERVICE_TEMPLATE: {},
        }
        self.tags = TagStore()

    def now(self) -> datetime:
        return (self.clock or get_clock()).now()

    def arn(self, resource_type: str, resource_id: str) -> str:
        return build_arn(self.region_name, self.account_id, resource_type, resource_id)

    # Templates ---------------------------------------------------------------------------------

    def create_template(self, kind: TemplateKind, params: dict[str, Any]) -> Template:
        name = params["name"]
        existing = self.templates[kind].get(name)
        if existing is not None:
            check_retry(existing, params, kind.label, name)
            return existing
        now = self.now()
        template = Template(
            kind=kind,
            name=name,
            arn=self.arn(kind.arn_type, name),
            created_at=now,
            last_modified_at=now,
            create_request=canonical_request(params),
            display_name=params.get("displayName"),
            description=params.get("description"),
            encryption_key=params.get("encryptionKey"),
            provisioning=params.get(kind.provisioning_member),
        )
        self.tags.set(template.arn, tags_to_dict(params.get("tags")))
        self.templates[kind][name] = template
        self.deleted_templates[kind].pop(name, None)
        return template

    def get_template(self, kind: TemplateKind, name: str) -> Template:
        template = self.templates[kind].get(name)
        if template is None:
            raise ResourceNotFoundException(f"The {kind.label} '{name}' was not found")
        return template

    def list_templates(self, kind: TemplateKind) -> list[Template]:
        return list(self.templates[kind].values())

    def update_template(self, kind: TemplateKind, params: dict[str, Any]) -> Template:
        template = self.get_template(kind, params["name"])
        for member, attribute in (("displayName", "display_name"), ("description", "description")):
            if member in params:
                setattr(template, attribute, params[member])
        template.last_modified_at = self.now()
        template.modified = True
        return template

    def delete_template(self, kind: TemplateKind, name: str) -> Template | None:
        """Delete and return the template; a retry returns the deleted one, a never-seen name None."""
        template = self.templates[kind].get(name)
        if template is None:
            return self.deleted_templates[kind].get(name)
        if template.versions:
            raise ConflictException(f"The {kind.label} '{name}' still has versions; delete them first")
        del self.templates[kind][name]
        self.tags.drop(template.arn)
        self.deleted_templates[kind][name] = template
        return template

    # Tags --------------------------------------------------------------------------------------

    def taggable_arn(self, arn: str) -> str:
        """``arn`` if it names an existing taggable resource here, else ResourceNotFoundException."""
        parsed = parse_arn(arn)
        if parsed and parsed.region == self.region_name and parsed.account == self.account_id:
            for kind, store in self.templates.items():
                if parsed.resource_type == kind.arn_type and parsed.resource_id in store:
                    return arn
        raise ResourceNotFoundException(f"The resource '{arn}' was not found")

    def tag_resource(self, arn: str, tags: list[dict[str, Any]]) -> None:
        self.tags.add(self.taggable_arn(arn), tags_to_dict(tags))

    def untag_resource(self, arn: str, keys: list[str]) -> None:
        self.tags.remove(self.taggable_arn(arn), keys)

    def list_tags(self, arn: str) -> dict[str, str]:
        return self.tags.get(self.taggable_arn(arn))


proton_backends = BackendDict(ProtonBackend, "proton")
