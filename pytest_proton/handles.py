"""Handles: what the factories return, one per Proton resource, always read fresh from the API.

Every handle has ``name``, ``arn``, ``kind``, ``describe()`` (the raw Get* result), ``status``,
``status_message``, ``outputs`` (a dict), ``provisioned_resources`` (a list), ``wait(timeout=)``,
and, where Proton has them, ``update``, ``cancel`` and ``delete``. Failures raise
:class:`~pytest_proton.errors.DeploymentFailed` quoting the deployment status message.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import yaml

from pytest_proton.errors import DeploymentFailed, WaitTimeout

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_proton.bundle_upload import LocalBundle
    from pytest_proton.lifecycle import Context, Lifecycle

T = TypeVar("T")
H = TypeVar("H", bound="Handle")

DEPLOYMENT_IN_FLIGHT = frozenset({"IN_PROGRESS", "CANCELLING", "DELETE_IN_PROGRESS"})
DEPLOYMENT_FAILED = frozenset({"FAILED", "DELETE_FAILED"})


def not_found(error: BaseException) -> bool:
    code = getattr(error, "response", {}).get("Error", {}).get("Code")
    return code == "ResourceNotFoundException"


def error_code(error: BaseException) -> str | None:
    return getattr(error, "response", {}).get("Error", {}).get("Code")


def poll(ctx: Context, read: Callable[[], T], settled: Callable[[T], bool], timeout: float, what: str) -> T:
    """Call ``read`` until ``settled(value)``; WaitTimeout after ``timeout`` seconds."""
    __tracebackhide__ = True
    deadline = time.monotonic() + timeout
    delay, cap = ctx.target.poll
    while True:
        value = read()
        if settled(value):
            return value
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"{what} did not settle within {timeout:g} s (last seen: {value!r:.300})")
        time.sleep(delay)
        delay = min(cap, max(delay * 2, 0.01))


def collect(method: Callable[..., dict[str, Any]], key: str, **params: Any) -> list[Any]:
    """Every item of a paginated List* call."""
    items: list[Any] = []
    token = None
    while True:
        page = method(**params, **({"nextToken": token} if token else {}))
        items.extend(page.get(key, []))
        token = page.get("nextToken")
        if not token:
            return items


def outputs_dict(outputs: list[dict[str, Any]]) -> dict[str, str]:
    return {o["key"]: o.get("valueString", "") for o in outputs}


def deployment_type_for(current: dict[str, Any], major: str | None, minor: str | None) -> str:
    if major is not None and str(major) != str(current.get("templateMajorVersion")):
        return "MAJOR_VERSION"
    if minor is not None and str(minor) != str(current.get("templateMinorVersion")):
        return "MINOR_VERSION"
    return "CURRENT_VERSION"


def version_params(deployment_type: str, major: str | None, minor: str | None) -> dict[str, str]:
    params: dict[str, str] = {}
    if deployment_type in ("MAJOR_VERSION", "MINOR_VERSION"):
        if major is not None:
            params["templateMajorVersion"] = str(major)
        if minor is not None:
            params["templateMinorVersion"] = str(minor)
    return params


def instance_entry(spec: Any, name: str) -> dict[str, Any]:
    """A service instance's own block (``name``, ``environment``, ``spec``) from a GetServiceInstance
    ``spec``: the whole ServiceSpec (what Proton returns) or, as some emulators keep it, the block itself."""
    document = yaml.safe_load(spec) if isinstance(spec, str) else spec
    if not isinstance(document, dict):
        return {}
    if "instances" in document or document.get("proton") == "ServiceSpec":
        for entry in document.get("instances") or []:
            if isinstance(entry, dict) and entry.get("name") == name:
                return dict(entry)
        return {}
    return {key: value for key, value in document.items() if key != "proton"}


def with_defaults(ctx: Context, state: dict[str, Any], kind: str, input_key: str, given: Any) -> dict[str, Any]:
    """``given`` inputs plus the schema's defaults, from the local bundle of the version ``state``
    (a Get* result) runs; the given inputs alone when the version was not published by this session."""
    values = dict(given) if isinstance(given, dict) else {}
    major, minor = str(state.get("templateMajorVersion")), str(state.get("templateMinorVersion"))
    key = (kind, state.get("templateName", ""), major, minor)
    bundle = ctx.bundles.get(key)
    if bundle is None or not (bundle.path / "schema" / "schema.yaml").is_file():
        return values
    from proton_lint.spec import resolve_inputs

    document = yaml.safe_load((bundle.path / "schema" / "schema.yaml").read_text(encoding="utf-8")) or {}
    schema_root = document.get("schema") if isinstance(document, dict) else None
    if not isinstance(schema_root, dict):
        return values
    return resolve_inputs(schema_root, input_key, values)


class Handle:
    """Base class of the handles."""

    kind = "resource"

    def __init__(self, ctx: Context, lifecycle: Lifecycle, name: str, logical_name: str) -> None:
        self.ctx = ctx
        #: the scope (test or session) whose teardown deletes the resource
        self.lifecycle = lifecycle
        #: the resource's name in Proton (``basename`` plus the unique suffix, or ``name=`` exactly)
        self.name = name
        #: the name the test knows it by (``basename=``/``name=``, else the template's): service specs use it
        self.logical_name = logical_name
        self._arn: str | None = None

    # reading ----------------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        """The boto3 Proton client the handle reads with."""
        return self.ctx.proton

    @property
    def timeout(self) -> float:
        """Seconds ``wait()`` waits by default (``--proton-timeout`` or the marker's ``timeout``)."""
        return self.lifecycle.timeout

    def describe(self) -> dict[str, Any]:
        """The resource as the Get* call returns it, read now."""
        raise NotImplementedError

    @property
    def arn(self) -> str:
        """The resource's ARN."""
        if self._arn is None:
            self._arn = self.describe()["arn"]
        return self._arn

    @property
    def status(self) -> str:
        """The ``deploymentStatus``: ``IN_PROGRESS``, ``SUCCEEDED``, ``FAILED``, ``CANCELLED``, ..."""
        return self.describe().get("deploymentStatus", "")

    @property
    def status_message(self) -> str | None:
        """The ``deploymentStatusMessage`` (why a deployment failed)."""
        return self.describe().get("deploymentStatusMessage")

    #: the stem of the resource's List*Outputs / List*ProvisionedResources (None: it has neither)
    list_stem: str | None = None

    def list_ids(self) -> dict[str, str]:
        """The request members that name this resource in its List* calls."""
        return {}

    @property
    def outputs(self) -> dict[str, str]:
        """The deployment's outputs as ``{key: valueString}`` (List*Outputs)."""
        if self.list_stem is None:
            return {}
        method = getattr(self.client, f"list_{self.list_stem}_outputs")
        return outputs_dict(collect(method, "outputs", **self.list_ids()))

    @property
    def provisioned_resources(self) -> list[dict[str, Any]]:
        """List*ProvisionedResources: ``name``, ``identifier``, ``provisioningEngine`` of each."""
        if self.list_stem is None:
            return []
        method = getattr(self.client, f"list_{self.list_stem}_provisioned_resources")
        return collect(method, "provisionedResources", **self.list_ids())

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    @property
    def label(self) -> str:
        """How messages name the resource: ``environment 'vpc-env-k3f00001'``."""
        return f"{self.kind} '{self.name}'"

    # waiting ----------------------------------------------------------------------------------
    def wait(self: H, timeout: float | None = None, *, allow_failure: bool = False) -> H:
        """Wait until the deployment settles; DeploymentFailed on FAILED unless ``allow_failure``."""
        __tracebackhide__ = True
        seen = poll(
            self.ctx,
            self.describe,
            lambda d: d.get("deploymentStatus") not in DEPLOYMENT_IN_FLIGHT,
            timeout or self.timeout,
            f"the deployment of {self.label}",
        )
        status = seen.get("deploymentStatus")
        if status in DEPLOYMENT_FAILED and not allow_failure:
            message = seen.get("deploymentStatusMessage")
            deployment = seen.get("lastAttemptedDeploymentId")
            raise DeploymentFailed(
                f"{self.label} ended {status}"
                + (f" (deployment {deployment})" if deployment else "")
                + f": {message or 'no deploymentStatusMessage'}",
                status=status,
                status_message=message,
            )
        return self

    def _update_params(
        self, template: Any, major: str | None, minor: str | None, deployment_type: str | None
    ) -> dict[str, Any]:
        """``deploymentType`` and the version members of an update (``template``: a handle from ``new_version()``)."""
        if template is not None:
            major, minor = template.major, template.minor
        deployment_type = deployment_type or deployment_type_for(self.describe(), major, minor)
        return {"deploymentType": deployment_type, **version_params(deployment_type, major, minor)}

    def _cancelled(self: H, wait: bool, timeout: float | None) -> H:
        return self.wait(timeout, allow_failure=True) if wait else self

    def _deployed(self: H, wait: bool, timeout: float | None) -> H:
        __tracebackhide__ = True
        if wait:
            self.wait(timeout)
            if self.status == "SUCCEEDED":
                self.ctx.hook.pytest_proton_resource_deployed(resource=self)
        return self

    def _wait_gone(self, read: Callable[[], dict[str, Any]], timeout: float | None) -> None:
        __tracebackhide__ = True

        def gone_or_failed() -> dict[str, Any] | None:
            try:
                return read()
            except Exception as error:
                if not_found(error):
                    return None
                raise

        seen = poll(
            self.ctx,
            gone_or_failed,
            lambda d: d is None or (d.get("deploymentStatus") or d.get("status", "")).endswith("FAILED"),
            timeout or self.timeout,
            f"the deletion of {self.label}",
        )
        if seen is not None:
            message = seen.get("deploymentStatusMessage") or seen.get("statusMessage")
            raise DeploymentFailed(
                f"deleting {self.label} failed: {message or 'no status message'}",
                status="DELETE_FAILED",
                status_message=message,
            )

    def _deleted(self) -> None:
        self.lifecycle.forget(self)
        self.ctx.hook.pytest_proton_resource_deleted(resource=self)


class TemplateHandle:
    """One published template version (``proton_template`` and ``new_version()`` return one).

    The handle ``proton_template`` returns stands for the template: its ``delete()`` deletes every
    version and the template. A handle from ``new_version()`` stands for that version only: its
    ``delete()`` deletes that version (``is_version`` tells them apart).
    """

    def __init__(
        self, ctx: Context, lifecycle: Lifecycle, kind: str, name: str, *, logical_name: str, bundle: LocalBundle
    ) -> None:
        self.ctx = ctx
        self.lifecycle = lifecycle
        #: ``environment`` or ``service``
        self.kind = kind
        #: the template's name in Proton
        self.name = name
        #: the name the test knows it by: ``basename=``/``name=``, else the template folder's name
        self.logical_name = logical_name
        #: the local bundle this version was made from (``path``, ``kind``, ``specs``, ...)
        self.bundle = bundle
        #: the version's major and minor version, as Proton numbered them
        self.major = ""
        self.minor = ""
        #: the ARN of the template version
        self.arn = ""
        #: the ARN of the template
        self.template_arn = ""
        #: a service template version's ``compatibleEnvironmentTemplates`` (``templateName``, ``majorVersion``)
        self.compatible_environments: list[dict[str, str]] = []
        #: whether ``compatible=`` chose them (kept by later versions) or the registration file did
        self.compatibility_given = False
        #: True for a handle from ``new_version()``: ``delete()`` deletes this version only
        self.is_version = False

    def __repr__(self) -> str:
        return f"<TemplateHandle {self.kind} {self.name}:{self.major}.{self.minor}>"

    @property
    def version(self) -> str:
        """``major.minor``."""
        return f"{self.major}.{self.minor}"

    @property
    def _noun(self) -> str:
        return "environment_template" if self.kind == "environment" else "service_template"

    def describe(self) -> dict[str, Any]:
        """The template version (GetEnvironmentTemplateVersion / GetServiceTemplateVersion)."""
        method = getattr(self.client, f"get_{self._noun}_version")
        result = method(templateName=self.name, majorVersion=self.major, minorVersion=self.minor)
        return result["environmentTemplateVersion" if self.kind == "environment" else "serviceTemplateVersion"]

    @property
    def client(self) -> Any:
        """The boto3 Proton client the handle reads with."""
        return self.ctx.proton

    @property
    def status(self) -> str:
        """The version's status: ``PUBLISHED`` once the factory returns."""
        return self.describe()["status"]

    def new_version(
        self, path: str | Path | None = None, *, major: bool = False, lint: bool = True, compatible: Any = None
    ) -> TemplateHandle:
        """Register and publish another version: a new minor of this major, or a new major with
        ``major=True``, from ``path`` (default: the same bundle folder). A service template version
        keeps the compatible environments the template was given unless ``compatible=`` gives new
        ones (or, when they came from the registration file, the new bundle's file names others).
        Returns the version's handle; the version is deleted with the template, or by its ``delete()``.

        :param path: the bundle folder of the new version (default: this version's folder).
        :param major: ``True``: register a new major version instead of a new minor.
        :param lint: run proton-lint first and fail on error-level findings.
        :param compatible: new compatible environment templates, as for ``proton_template``.
        """
        __tracebackhide__ = True
        from pytest_proton.factories import publish_version

        return publish_version(self, path, new_major=major, lint=lint, compatible=compatible)

    def delete(self, *, wait: bool = True, timeout: float | None = None) -> None:
        """A template handle: delete every version and the template now. A version handle (from
        ``new_version()``): delete that version only. Proton refuses to delete the Recommended
        version (the highest published minor) while other versions of its major exist."""
        __tracebackhide__ = True
        if self.is_version:
            self._delete_version(wait, timeout)
            return
        from pytest_proton.lifecycle import delete_template

        delete_template(self.ctx, self.kind, self.name)
        self.lifecycle.forget(self)
        self.ctx.hook.pytest_proton_resource_deleted(resource=self)

    def _delete_version(self, wait: bool, timeout: float | None) -> None:
        __tracebackhide__ = True
        from pytest_proton.errors import ProtonFixtureError

        remove = getattr(self.client, f"delete_{self._noun}_version")
        try:
            remove(templateName=self.name, majorVersion=self.major, minorVersion=self.minor)
        except Exception as error:
            if error_code(error) != "ConflictException":
                raise
            raise ProtonFixtureError(
                f"Proton refuses to delete {self.kind} template version {self.name}:{self.version}: "
                f"{getattr(error, 'response', {}).get('Error', {}).get('Message', error)} "
                "(delete the template handle to delete every version)"
            ) from None
        if wait:
            poll(
                self.ctx,
                self._exists,
                lambda exists: not exists,
                timeout or self.lifecycle.timeout,
                f"the deletion of {self.kind} template version {self.name}:{self.version}",
            )
        self.ctx.hook.pytest_proton_resource_deleted(resource=self)

    def _exists(self) -> bool:
        try:
            self.describe()
        except Exception as error:
            if not_found(error):
                return False
            raise
        return True


class EnvironmentHandle(Handle):
    """An environment (``proton_env``)."""

    kind = "environment"

    def __init__(self, ctx: Context, lifecycle: Lifecycle, name: str, logical_name: str, template: Any) -> None:
        super().__init__(ctx, lifecycle, name, logical_name)
        #: the TemplateHandle it was created from
        self.template = template

    def describe(self) -> dict[str, Any]:
        """GetEnvironment's ``environment``."""
        return self.client.get_environment(name=self.name)["environment"]

    @property
    def spec(self) -> dict[str, Any]:
        """The deployed ``proton: EnvironmentSpec`` document, parsed (GetEnvironment's ``spec``)."""
        return yaml.safe_load(self.describe().get("spec") or "") or {}

    @property
    def inputs(self) -> dict[str, Any]:
        """The environment's resolved inputs: the spec's values, then the schema's defaults."""
        state = self.describe()
        given = (yaml.safe_load(state.get("spec") or "") or {}).get("spec")
        return with_defaults(self.ctx, state, "environment", "environment_input_type", given)

    list_stem = "environment"

    def list_ids(self) -> dict[str, str]:
        """``environmentName``."""
        return {"environmentName": self.name}

    def update(
        self,
        spec: Any = None,
        *,
        template: TemplateHandle | None = None,
        major: str | None = None,
        minor: str | None = None,
        deployment_type: str | None = None,
        wait: bool = True,
        timeout: float | None = None,
    ) -> EnvironmentHandle:
        """Deploy a new spec and/or template version (``template=`` a handle from ``new_version()``)."""
        __tracebackhide__ = True
        from pytest_proton.specs import environment_spec

        params = {"name": self.name, **self._update_params(template, major, minor, deployment_type)}
        if spec is not None:
            params["spec"] = environment_spec(spec)
        self.client.update_environment(**params)
        return self._deployed(wait, timeout)

    def cancel(self, *, wait: bool = True, timeout: float | None = None) -> EnvironmentHandle:
        """Cancel the deployment in progress (CANCELLING, then CANCELLED or whatever it ended as)."""
        self.client.cancel_environment_deployment(environmentName=self.name)
        return self._cancelled(wait, timeout)

    def delete(self, *, wait: bool = True, timeout: float | None = None) -> None:
        """DeleteEnvironment now (and wait until it is gone); teardown then has nothing left to do."""
        __tracebackhide__ = True
        self.client.delete_environment(name=self.name)
        if wait:
            self._wait_gone(self.describe, timeout)
        self._deleted()


class ServiceInstanceHandle(Handle):
    """A service instance (``service.instances[name]``)."""

    kind = "service_instance"

    def __init__(self, ctx: Context, lifecycle: Lifecycle, service: ServiceHandle, name: str) -> None:
        super().__init__(ctx, lifecycle, name, name)
        #: the ServiceHandle it belongs to
        self.service = service

    @property
    def label(self) -> str:
        """How messages name the instance: ``service instance 'service/instance'``."""
        return f"service instance '{self.service.name}/{self.name}'"

    def describe(self) -> dict[str, Any]:
        """GetServiceInstance's ``serviceInstance``. Its ``spec`` is the service spec the instance was
        created or last updated with: the whole ``proton: ServiceSpec`` (see :attr:`spec` for the block)."""
        return self.client.get_service_instance(serviceName=self.service.name, name=self.name)["serviceInstance"]

    @property
    def environment_name(self) -> str:
        """The (actual) name of the environment the instance runs in."""
        return self.describe()["environmentName"]

    @property
    def spec(self) -> dict[str, Any]:
        """This instance's own block of the service spec: ``name``, ``environment`` and ``spec`` (its inputs)."""
        return instance_entry(self.describe().get("spec"), self.name)

    @property
    def inputs(self) -> dict[str, Any]:
        """The instance's resolved inputs (``service_instance.inputs``): its block's values, then the defaults."""
        state = self.describe()
        given = instance_entry(state.get("spec"), self.name).get("spec")
        return with_defaults(self.ctx, state, "service", "service_input_type", given)

    list_stem = "service_instance"

    def list_ids(self) -> dict[str, str]:
        """``serviceName`` and ``serviceInstanceName``."""
        return {"serviceName": self.service.name, "serviceInstanceName": self.name}

    def update(
        self,
        spec: Any = None,
        *,
        template: TemplateHandle | None = None,
        major: str | None = None,
        minor: str | None = None,
        deployment_type: str | None = None,
        wait: bool = True,
        timeout: float | None = None,
    ) -> ServiceInstanceHandle:
        """Deploy new inputs (``spec``: the instance's inputs as a dict) and/or a template version.

        As in Proton's documentation, the spec sent is the service's ServiceSpec with this
        instance's ``spec:`` replaced.
        """
        __tracebackhide__ = True
        params = {"serviceName": self.service.name, "name": self.name}
        params.update(self._update_params(template, major, minor, deployment_type))
        if spec is not None:
            params["spec"] = self._service_spec_with(spec)
        self.client.update_service_instance(**params)
        return self._deployed(wait, timeout)

    def _service_spec_with(self, inputs: Any) -> str:
        if isinstance(inputs, str):
            return inputs
        document = self.service.spec_document()
        for entry in document.get("instances") or []:
            if entry.get("name") == self.name:
                entry["spec"] = dict(inputs)
        return yaml.safe_dump(document, sort_keys=False)

    def cancel(self, *, wait: bool = True, timeout: float | None = None) -> ServiceInstanceHandle:
        """Cancel the instance's deployment in progress (CANCELLING, then CANCELLED or whatever it ended as)."""
        self.client.cancel_service_instance_deployment(serviceName=self.service.name, serviceInstanceName=self.name)
        return self._cancelled(wait, timeout)


class ServicePipelineHandle(Handle):
    """A service's pipeline (``service.pipeline``)."""

    kind = "service_pipeline"

    def __init__(self, ctx: Context, lifecycle: Lifecycle, service: ServiceHandle) -> None:
        super().__init__(ctx, lifecycle, f"{service.name}/pipeline", "pipeline")
        #: the ServiceHandle it belongs to
        self.service = service

    def describe(self) -> dict[str, Any]:
        """GetService's ``service.pipeline``."""
        return self.client.get_service(name=self.service.name)["service"].get("pipeline") or {}

    @property
    def inputs(self) -> dict[str, Any]:
        """The pipeline's resolved inputs (``pipeline.inputs``): the spec's ``pipeline:`` values, then the defaults."""
        state = self.describe()
        document = yaml.safe_load(state.get("spec") or "") or {}
        given = document.get("pipeline") if "instances" in document or "proton" in document else document
        return with_defaults(self.ctx, state, "service", "pipeline_input_type", given)

    list_stem = "service_pipeline"

    def list_ids(self) -> dict[str, str]:
        """``serviceName``."""
        return {"serviceName": self.service.name}

    def update(
        self,
        spec: Any = None,
        *,
        template: TemplateHandle | None = None,
        major: str | None = None,
        minor: str | None = None,
        deployment_type: str | None = None,
        wait: bool = True,
        timeout: float | None = None,
    ) -> ServicePipelineHandle:
        """Deploy new pipeline inputs (a dict) and/or a template version; the spec sent is the ServiceSpec."""
        __tracebackhide__ = True
        document = self.service.spec_document()
        if spec is not None and not isinstance(spec, str):
            document["pipeline"] = dict(spec)
        text = spec if isinstance(spec, str) else yaml.safe_dump(document, sort_keys=False)
        self.client.update_service_pipeline(
            serviceName=self.service.name, spec=text, **self._update_params(template, major, minor, deployment_type)
        )
        return self._deployed(wait, timeout)

    def cancel(self, *, wait: bool = True, timeout: float | None = None) -> ServicePipelineHandle:
        """Cancel the pipeline's deployment in progress."""
        self.client.cancel_service_pipeline_deployment(serviceName=self.service.name)
        return self._cancelled(wait, timeout)


SERVICE_FAILED_MARK = "FAILED"


class ServiceHandle(Handle):
    """A service (``proton_service``): its instances and pipeline have handles of their own."""

    kind = "service"

    def __init__(self, ctx: Context, lifecycle: Lifecycle, name: str, logical_name: str, template: Any) -> None:
        super().__init__(ctx, lifecycle, name, logical_name)
        #: the TemplateHandle it was created from
        self.template = template

    def describe(self) -> dict[str, Any]:
        """GetService's ``service`` (its ``spec`` is the whole ServiceSpec)."""
        return self.client.get_service(name=self.name)["service"]

    def spec_document(self) -> dict[str, Any]:
        """The service's current ServiceSpec, parsed (a fresh copy to change and send back)."""
        return yaml.safe_load(self.describe().get("spec") or "") or {"proton": "ServiceSpec"}

    @property
    def status(self) -> str:
        """The service's ``status``: ``ACTIVE``, ``CREATE_FAILED_CLEANUP_COMPLETE``, ..."""
        return self.describe().get("status", "")

    @property
    def status_message(self) -> str | None:
        """The service's ``statusMessage``."""
        return self.describe().get("statusMessage")

    @property
    def instances(self) -> dict[str, ServiceInstanceHandle]:
        """The service's instances by name (ListServiceInstances), as handles."""
        found = collect(self.client.list_service_instances, "serviceInstances", serviceName=self.name)
        return {i["name"]: ServiceInstanceHandle(self.ctx, self.lifecycle, self, i["name"]) for i in found}

    @property
    def pipeline(self) -> ServicePipelineHandle | None:
        """The pipeline's handle; None for a template without one."""
        if not self.describe().get("pipeline"):
            return None
        return ServicePipelineHandle(self.ctx, self.lifecycle, self)

    @property
    def outputs(self) -> dict[str, str]:
        """The pipeline's outputs (a service has no outputs of its own; see ``instances[name].outputs``)."""
        pipeline = self.pipeline
        return pipeline.outputs if pipeline is not None else {}

    def _parts(self) -> list[Handle]:
        parts: list[Handle] = list(self.instances.values())
        pipeline = self.pipeline
        if pipeline is not None:
            parts.append(pipeline)
        return parts

    def wait(self, timeout: float | None = None, *, allow_failure: bool = False) -> ServiceHandle:
        """Wait until the service and every instance and the pipeline settle; DeploymentFailed otherwise."""
        __tracebackhide__ = True
        seen = poll(
            self.ctx,
            self.describe,
            lambda d: not d.get("status", "").endswith("IN_PROGRESS"),
            timeout or self.timeout,
            f"the deployment of {self.label}",
        )
        problems = []
        for part in self._parts():
            part_seen = poll(
                self.ctx,
                part.describe,
                lambda d: d.get("deploymentStatus") not in DEPLOYMENT_IN_FLIGHT,
                timeout or self.timeout,
                f"the deployment of {part.label}",
            )
            if part_seen.get("deploymentStatus") in DEPLOYMENT_FAILED:
                problems.append(
                    f"{part.label}: {part_seen.get('deploymentStatus')}: "
                    f"{part_seen.get('deploymentStatusMessage') or 'no deploymentStatusMessage'}"
                )
        status = seen.get("status", "")
        if (SERVICE_FAILED_MARK in status or problems) and not allow_failure:
            lines = [f"{self.label} ended {status}: {seen.get('statusMessage') or 'no statusMessage'}", *problems]
            raise DeploymentFailed("\n  ".join(lines), status=status, status_message=seen.get("statusMessage"))
        return self

    def _deployed(self, wait: bool, timeout: float | None) -> ServiceHandle:
        __tracebackhide__ = True
        if wait:
            self.wait(timeout)
            self.ctx.hook.pytest_proton_resource_deployed(resource=self)
            for part in self._parts():
                if part.status == "SUCCEEDED":
                    self.ctx.hook.pytest_proton_resource_deployed(resource=part)
        return self

    def update(
        self, spec: Any, *, environments: Any = None, wait: bool = True, timeout: float | None = None
    ) -> ServiceHandle:
        """UpdateService with a new ServiceSpec (add instances, drop instances)."""
        __tracebackhide__ = True
        from pytest_proton.specs import service_spec

        text = service_spec(spec, self.lifecycle, environments)
        self.client.update_service(name=self.name, spec=text)
        return self._deployed(wait, timeout)

    def cancel(self, *, wait: bool = True, timeout: float | None = None) -> ServiceHandle:
        """Cancel every instance and pipeline deployment in progress."""
        for part in self._parts():
            if part.status == "IN_PROGRESS":
                part.cancel(wait=False)
        return self._cancelled(wait, timeout)

    def delete(self, *, wait: bool = True, timeout: float | None = None) -> None:
        """DeleteService now (its instances and pipeline go with it) and wait until it is gone."""
        __tracebackhide__ = True
        self.client.delete_service(name=self.name)
        if wait:
            self._wait_gone(self.describe, timeout)
        self._deleted()


class ComponentHandle(Handle):
    """A directly defined component (``proton_component``)."""

    kind = "component"

    def describe(self) -> dict[str, Any]:
        """GetComponent's ``component``."""
        return self.client.get_component(name=self.name)["component"]

    list_stem = "component"

    def list_ids(self) -> dict[str, str]:
        """``componentName``."""
        return {"componentName": self.name}

    def update(
        self,
        *,
        template_file: str | None = None,
        manifest: str | None = None,
        service_spec: str | None = None,
        wait: bool = True,
        timeout: float | None = None,
    ) -> ComponentHandle:
        """UpdateComponent (``CURRENT_VERSION``) with a new template file, manifest and/or service spec
        (texts, as CreateComponent takes them)."""
        __tracebackhide__ = True
        params: dict[str, Any] = {"name": self.name, "deploymentType": "CURRENT_VERSION"}
        if template_file is not None:
            params["templateFile"] = template_file
        if manifest is not None:
            params["manifest"] = manifest
        if service_spec is not None:
            params["serviceSpec"] = service_spec
        self.client.update_component(**params)
        return self._deployed(wait, timeout)

    def cancel(self, *, wait: bool = True, timeout: float | None = None) -> ComponentHandle:
        """Cancel the component's deployment in progress."""
        self.client.cancel_component_deployment(componentName=self.name)
        return self._cancelled(wait, timeout)

    def delete(self, *, wait: bool = True, timeout: float | None = None) -> None:
        """Detach it from its service instance first (Proton refuses to delete an attached component)."""
        __tracebackhide__ = True
        from pytest_proton.lifecycle import detach_component

        detach_component(self.ctx, self.name)
        self.client.delete_component(name=self.name)
        if wait:
            self._wait_gone(self.describe, timeout)
        self._deleted()
