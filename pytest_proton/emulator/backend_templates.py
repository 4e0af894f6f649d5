"""Environment and service templates and their versions: registration, publishing, the
recommended version, deletion rules (proton-rules §9.2, §9.3) and the version an update deploys (API-42).

A mixin of :class:`~pytest_proton.emulator.models.ProtonBackend`, whose state it reads and changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_proton.emulator import bundle_store, bundles
from pytest_proton.emulator.environments import (
    IN_PROGRESS,
    EnvironmentState,
)
from pytest_proton.emulator.exceptions import (
    ConflictException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    ValidationException,
)
from pytest_proton.emulator.idempotency import canonical_request, check_retry
from pytest_proton.emulator.tags import tags_to_dict
from pytest_proton.emulator.templates import ENVIRONMENT_TEMPLATE, SERVICE_TEMPLATE, Template, TemplateKind
from pytest_proton.emulator.versions import (
    DRAFT,
    MAX_VERSIONS_PER_TEMPLATE,
    PUBLISHED,
    REGISTRATION_IN_PROGRESS,
    TemplateVersion,
    version_label,
)

if TYPE_CHECKING:
    from pytest_proton.emulator.models import ProtonBackend

    _Base = ProtonBackend
else:
    _Base = object


class TemplatesMixin(_Base):
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
        self.check_template_unsynced(kind, name)  # a template sync configuration blocks deletion (backend_sync.py)
        del self.templates[kind][name]
        self.tags.drop(template.arn)
        self.deleted_templates[kind][name] = template
        return template

    def create_template_version(self, kind: TemplateKind, params: dict[str, Any]) -> TemplateVersion:
        operation = f"Create{'Environment' if kind is ENVIRONMENT_TEMPLATE else 'Service'}TemplateVersion"
        now = self.now()
        template = self.get_template(kind, params["templateName"])
        original = self.client_tokens.lookup(operation, params, now, self._version_alive)
        if original is not None:
            return original  # type: ignore[no-any-return]
        if len(template.versions) >= MAX_VERSIONS_PER_TEMPLATE:
            raise ServiceQuotaExceededException(
                f"The {kind.label} '{template.name}' already has {MAX_VERSIONS_PER_TEMPLATE} versions"
            )
        compatible = params.get("compatibleEnvironmentTemplates")
        if kind is SERVICE_TEMPLATE:
            self._check_compatible_templates(compatible or [])
        majors = {version.major for version in template.versions.values()}
        if params.get("majorVersion") is None:
            major, minor = max(majors, default=0) + 1, 0
        else:
            major = int(params["majorVersion"])
            if major not in majors:
                raise ResourceNotFoundException(
                    f"The {kind.label} '{template.name}' has no major version {major}; "
                    "omit majorVersion to create a new major version"
                )
            minor = 1 + max(version.minor for version in template.versions.values() if version.major == major)
        label = version_label(major, minor)
        version = TemplateVersion(
            kind=kind,
            template_name=template.name,
            major=major,
            minor=minor,
            arn=self.arn(kind.arn_type, f"{template.name}:{label}"),
            created_at=now,
            last_modified_at=now,
            source=dict(params["source"]),
            status=REGISTRATION_IN_PROGRESS,
            description=params.get("description"),
            compatible_environment_templates=[dict(entry) for entry in compatible or []],
            supported_component_sources=params.get("supportedComponentSources"),
        )
        # Issue 5: read the bundle from moto's S3 now; a missing bucket or object is a ValidationException.
        bundles.check_source(self, version)
        self.tags.set(version.arn, tags_to_dict(params.get("tags")))
        template.versions[label] = version
        self.deleted_versions[kind].pop((template.name, label), None)
        self.client_tokens.remember(operation, params, now, version, self._version_alive)
        return version

    def _version_alive(self, version: TemplateVersion) -> bool:
        template = self.templates[version.kind].get(version.template_name)
        return template is not None and template.versions.get(version.label) is version

    def _check_compatible_templates(self, entries: list[dict[str, str]]) -> None:
        """Every compatible environment template + major version must exist."""
        for entry in entries:
            template = self.templates[ENVIRONMENT_TEMPLATE].get(entry["templateName"])
            major = int(entry["majorVersion"])
            if template is None or not any(version.major == major for version in template.versions.values()):
                raise ResourceNotFoundException(
                    f"The compatible environment template '{entry['templateName']}' "
                    f"major version {entry['majorVersion']} was not found"
                )

    def settle_version(self, version: TemplateVersion) -> TemplateVersion:
        """Finish registration of a version still in REGISTRATION_IN_PROGRESS (see bundles.py)."""
        if version.status == REGISTRATION_IN_PROGRESS:
            outcome = bundles.register_bundle(self, version)
            version.status = outcome.status
            version.status_message = outcome.message
            version.schema = outcome.schema
        return version

    def version_of(self, kind: TemplateKind, state: Any) -> TemplateVersion | None:
        """The version a resource's state (``template_name``, ``major``, ``minor``) names, if it still exists."""
        template = self.templates[kind].get(state.template_name)
        return template.versions.get(f"{state.major}.{state.minor}") if template is not None else None

    def get_template_version(self, kind: TemplateKind, name: str, major: str, minor: str) -> TemplateVersion:
        template = self.get_template(kind, name)
        version = template.versions.get(version_label(int(major), int(minor)))
        if version is None:
            raise ResourceNotFoundException(f"The {kind.label} version '{name}:{major}.{minor}' was not found")
        return self.settle_version(version)

    def list_template_versions(self, kind: TemplateKind, name: str, major: str | None) -> list[TemplateVersion]:
        template = self.get_template(kind, name)
        versions = [v for v in template.versions.values() if major is None or v.major == int(major)]
        return [self.settle_version(version) for version in versions]

    def recommended_minor(self, version: TemplateVersion) -> int | None:
        """The highest published minor of ``version``'s major, if any."""
        template = self.templates[version.kind].get(version.template_name)
        published = [
            v.minor
            for v in (template.versions.values() if template else [])
            if v.major == version.major and v.status == PUBLISHED
        ]
        return max(published, default=None)

    def version_dict(self, version: TemplateVersion) -> dict[str, Any]:
        return version.to_dict(self.recommended_minor(version))

    def update_template_version(self, kind: TemplateKind, params: dict[str, Any]) -> TemplateVersion:
        version = self.get_template_version(
            kind, params["templateName"], params["majorVersion"], params["minorVersion"]
        )
        status = params.get("status")
        if status is not None and status != version.status:
            if status not in (DRAFT, PUBLISHED):
                raise ValidationException(
                    f"Value '{status}' at 'status' failed to satisfy constraint: "
                    "a template version can only be set to DRAFT or PUBLISHED"
                )
            if not (version.status == DRAFT and status == PUBLISHED):
                raise ConflictException(
                    f"The {kind.label} version '{version.template_name}:{version.label}' is {version.status} "
                    f"and cannot become {status}; only DRAFT -> PUBLISHED is allowed"
                )
        if kind is SERVICE_TEMPLATE and params.get("compatibleEnvironmentTemplates") is not None:
            self._check_compatible_templates(params["compatibleEnvironmentTemplates"])
            version.compatible_environment_templates = [dict(e) for e in params["compatibleEnvironmentTemplates"]]
        if kind is SERVICE_TEMPLATE and "supportedComponentSources" in params:
            version.supported_component_sources = params["supportedComponentSources"]
        if "description" in params:
            version.description = params["description"]
        if status is not None:
            version.status = status
        version.last_modified_at = self.now()
        self._update_recommended(kind, version.template_name)
        return version

    def _update_recommended(self, kind: TemplateKind, name: str) -> None:
        """The template's recommendedVersion: its highest published major.minor (LC-04)."""
        template = self.templates[kind][name]
        published = [(v.major, v.minor) for v in template.versions.values() if v.status == PUBLISHED]
        template.recommended_version = version_label(*max(published)) if published else None

    def delete_template_version(self, kind: TemplateKind, name: str, major: str, minor: str) -> TemplateVersion | None:
        """Delete and return the version (§9.3); a retry returns the deleted one, a never-seen one None."""
        label = version_label(int(major), int(minor))
        template = self.templates[kind].get(name)
        version = template.versions.get(label) if template else None
        if template is None or version is None:
            return self.deleted_versions[kind].get((name, label))
        self.settle_version(version)
        others = [v for v in template.versions.values() if v is not version]
        where = f"The {kind.label} version '{name}:{label}'"
        if template.recommended_version == label and others:
            raise ConflictException(
                f"{where} is the Recommended version; it can only be deleted when no other version exists"
            )
        if self.recommended_minor(version) == version.minor and any(v.major == version.major for v in others):
            raise ConflictException(
                f"{where} is the Recommended minor version of major {major}; it can only be deleted "
                "when no other minor version of that major exists"
            )
        if kind is ENVIRONMENT_TEMPLATE:
            self._check_version_unused(version)
        # LC-10 for service templates (no instances or pipelines on the version) applies once those exist.
        del template.versions[label]
        self.tags.drop(version.arn)
        bundle_store.forget(self, version)
        self.deleted_versions[kind][(name, label)] = version
        self._update_recommended(kind, name)
        return version

    def _check_version_unused(self, version: TemplateVersion) -> None:
        """LC-10: no environment is deployed on, or deploying to, an environment template version."""
        for environment in self.environments.values():
            states = [environment.state]
            deployment = self.deployments.get(environment.last_attempted_deployment_id or "")
            if deployment is not None and deployment.status == IN_PROGRESS:
                states.append(deployment.target_state)
            for state in states:
                if (state.template_name, state.major, state.minor) == (
                    version.template_name,
                    version.major,
                    version.minor,
                ):
                    raise ConflictException(
                        f"The environment template version '{version.template_name}:{version.label}' "
                        f"is in use by the environment '{environment.name}'"
                    )

    def _published_version(
        self,
        template_name: str,
        major: str | int,
        minor: str | int | None,
        kind: TemplateKind = ENVIRONMENT_TEMPLATE,
    ) -> TemplateVersion:
        """The PUBLISHED template version of ``kind``; without ``minor``, the recommended minor of ``major``."""
        template = self.get_template(kind, template_name)
        for version in template.versions.values():
            self.settle_version(version)
        major = int(major)
        if minor is None:
            published = [v.minor for v in template.versions.values() if v.major == major and v.status == PUBLISHED]
            if not published:
                if not any(v.major == major for v in template.versions.values()):
                    raise ResourceNotFoundException(f"The {kind.label} version '{template_name}:{major}' was not found")
                raise ValidationException(
                    f"Value '{major}' at 'templateMajorVersion' failed to satisfy constraint: "
                    f"the {kind.label} '{template_name}' has no PUBLISHED minor version of major {major}"
                )
            minor = max(published)
        version = self.get_template_version(kind, template_name, str(major), str(minor))
        if version.status != PUBLISHED:
            raise ValidationException(
                f"Value '{version.label}' at 'templateMinorVersion' failed to satisfy constraint: the "
                f"{kind.label} version '{template_name}:{version.label}' is {version.status}, not PUBLISHED"
            )
        return version

    def _version_for_update(
        self,
        kind: TemplateKind,
        current: EnvironmentState,
        deployment_type: str,
        major: str | None,
        minor: str | None,
    ) -> TemplateVersion:
        """proton-rules §8 API-42: the version a CURRENT_VERSION, MINOR_VERSION or MAJOR_VERSION update deploys."""
        if deployment_type == "CURRENT_VERSION":
            if major is not None or minor is not None:
                raise ValidationException(
                    "templateMajorVersion and templateMinorVersion must be omitted with deploymentType CURRENT_VERSION"
                )
            return self.get_template_version(kind, current.template_name, str(current.major), str(current.minor))
        if deployment_type == "MINOR_VERSION":
            if major is not None and int(major) != current.major:
                raise ValidationException(
                    f"Value '{major}' at 'templateMajorVersion' failed to satisfy constraint: deploymentType "
                    f"MINOR_VERSION stays on the current major version {current.major}"
                )
            return self._published_version(current.template_name, current.major, minor, kind)
        if major is None:  # MAJOR_VERSION
            template = self.get_template(kind, current.template_name)
            if template.recommended_version is None:
                what = "environment" if kind == ENVIRONMENT_TEMPLATE else "service"
                raise ValidationException(f"The {what} template '{current.template_name}' has no recommended version")
            major, minor = template.recommended_version.split(".")
        if int(major) <= current.major:
            raise ValidationException(
                f"Value '{major}' at 'templateMajorVersion' failed to satisfy constraint: deploymentType "
                f"MAJOR_VERSION needs a major version higher than the current {current.major}"
            )
        return self._published_version(current.template_name, major, minor, kind)

    def _service_version(self, template_name: str, major: str | int, minor: str | int | None) -> TemplateVersion:
        return self._published_version(template_name, major, minor, SERVICE_TEMPLATE)
