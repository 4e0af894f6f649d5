"""The factories behind ``proton_template``, ``proton_env``, ``proton_service``, ``proton_component``.

Each factory is bound to a :class:`~pytest_proton.lifecycle.Lifecycle`: the function-scoped
fixtures to the test's (deleted when the test ends), the ``*_factory`` fixtures to the session's
(deleted when the session ends, or earlier with ``handle.delete()``), as ``tmp_path`` and
``tmp_path_factory`` do. Only documented Proton (and S3) calls are made, so the same code drives
the emulator and a real endpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pytest_proton import bundle_upload
from pytest_proton import lifecycle as lc
from pytest_proton.bundle_upload import ENVIRONMENT, SERVICE, LocalBundle
from pytest_proton.errors import InvalidRequest, RegistrationFailed, with_article
from pytest_proton.handles import (
    ComponentHandle,
    EnvironmentHandle,
    ServiceHandle,
    ServiceInstanceHandle,
    TemplateHandle,
    poll,
)
from pytest_proton.specs import environment_spec, sample_inputs, service_spec

#: repository settings a service with a pipeline needs; an emulator does not check them
DEFAULT_REPOSITORY = {"repositoryId": "pytest-proton/app", "branchName": "main"}


def resource_name(ctx: lc.Context, default: str, name: str | None, basename: str | None) -> tuple[str, str]:
    """(logical name, actual name): ``name`` exactly as given, else ``basename`` (default: the
    template's folder name) with the run's unique suffix (:mod:`pytest_proton.naming`)."""
    if name is not None and basename is not None:
        raise TypeError("give name= (the exact name) or basename= (a unique suffix is added), not both")
    if name is not None:
        return name, name
    logical = basename or default
    return logical, ctx.namer(logical)


@contextmanager
def client_errors(doing: str) -> Iterator[None]:
    """botocore's client-side validation errors as a ProtonFixtureError that names the step."""
    __tracebackhide__ = True
    try:
        yield
    except Exception as error:
        if type(error).__name__ != "ParamValidationError":
            raise
        raise InvalidRequest(f"{doing}: the request is not valid: {error}") from None


def _default_spec(bundle: LocalBundle) -> Any:
    """The spec used when a test gives none: the linter's first sample spec for the bundle, else its
    ``proton-inputs.json`` / ``proton.auto.tfvars.json`` sample (environment inputs only)."""
    __tracebackhide__ = True
    if bundle.sample_spec is not None:
        return bundle.sample_spec
    for sample in bundle.input_samples:
        inputs = sample_inputs(sample, bundle.kind)
        if inputs is not None:
            return inputs
    raise ValueError(
        f"no spec given and proton-lint finds no sample spec for {bundle.path}: it looks in spec/ and specs/ "
        "folders in and up to four folders above the bundle, spec.yaml files beside it, the specs named in "
        "the configuration (specs = {...}) and proton-inputs.json samples; pass spec=... or add one there"
    )


def _compatible(lifecycle: lc.Lifecycle, bundle: LocalBundle, compatible: Any) -> list[dict[str, str]]:
    """``compatibleEnvironmentTemplates``: from ``compatible=``, else the bundle's registration file."""
    __tracebackhide__ = True
    entries: list[dict[str, str]] = []
    if compatible is not None:
        for item in compatible if isinstance(compatible, (list, tuple)) else [compatible]:
            if isinstance(item, TemplateHandle):
                entries.append({"templateName": item.name, "majorVersion": item.major})
            elif isinstance(item, tuple):
                handle, major = item
                name = handle.name if isinstance(handle, TemplateHandle) else str(handle)
                entries.append({"templateName": name, "majorVersion": str(major)})
            else:
                name, _, major = str(item).partition(":")
                if not major:
                    raise ValueError(
                        f"compatible={item!r} names no major version: write {name}:1, a template handle, "
                        f"or ({name!r}, 1)"
                    )
                entries.append({"templateName": name, "majorVersion": major})
        return entries
    if bundle.registration_problems:
        raise ValueError(
            f"the registration file of the service template {bundle.path} has entries proton-lint refuses:\n  "
            + "\n  ".join(bundle.registration_problems)
            + "\nfix them, or pass compatible=[...]"
        )
    for logical, major in bundle.compatible_environments:
        handle = lifecycle.find_template(logical)
        if handle is None or handle.kind != ENVIRONMENT:
            raise LookupError(
                f"the service template {bundle.logical_name} is compatible with the environment template "
                f"{logical}:{major}, which this test or session has not published; publish it first with "
                f"proton_template(...) or pass compatible=[...]"
            )
        entries.append({"templateName": handle.name, "majorVersion": str(major)})
    return entries


def _require_compatible(handle: TemplateHandle, bundle: LocalBundle, entries: list[dict[str, str]]) -> None:
    """Proton needs at least one compatible environment template: say so before boto3 does."""
    if not entries:
        raise ValueError(
            f"the service template {handle.name} (from {bundle.path}) names no compatible environment template: "
            "add a .template-registration.yaml with compatible_environments to the version folder, or pass "
            "compatible=[environment_template]"
        )


def publish_template(
    lifecycle: lc.Lifecycle,
    path: str | Path,
    *,
    name: str | None = None,
    basename: str | None = None,
    lint: bool = True,
    compatible: Any = None,
    description: str | None = None,
) -> TemplateHandle:
    """Lint, archive, upload, create the template and its first version, wait, publish."""
    __tracebackhide__ = True
    ctx = lifecycle.ctx
    bundle = bundle_upload.locate(path)
    if bundle.kind not in (ENVIRONMENT, SERVICE):
        kind = with_article(str(bundle.kind))
        raise ValueError(f"{bundle.path} is {kind} bundle; use proton_component for components")
    if lint:
        ctx.lint_gate.check(bundle)
    logical, actual = resource_name(ctx, bundle.logical_name, name, basename)
    noun = "environment-template" if bundle.kind == ENVIRONMENT else "service-template"
    arn = f"arn:aws:proton:{ctx.target.region}:{ctx.target.account_id}:{noun}/{actual}"
    handle = TemplateHandle(ctx, lifecycle, bundle.kind, actual, logical_name=logical, bundle=bundle)
    entry = lifecycle.register(
        f"{bundle.kind} template {actual}", arn, lambda: lc.delete_template(ctx, bundle.kind, actual)
    )
    entry.handle = handle
    params: dict[str, Any] = {"name": actual, "displayName": logical[:100]}
    if description:
        params["description"] = description
    with client_errors(f"creating the {bundle.kind} template {actual}"):
        if bundle.kind == ENVIRONMENT:
            created = ctx.proton.create_environment_template(**params)["environmentTemplate"]
        else:
            if not bundle.has_pipeline:
                params["pipelineProvisioning"] = "CUSTOMER_MANAGED"
            created = ctx.proton.create_service_template(**params)["serviceTemplate"]
    handle.template_arn = created["arn"]
    entry.arn = created["arn"]
    lifecycle.templates[(str(bundle.path), logical, actual)] = handle
    if bundle.kind == SERVICE:
        handle.compatible_environments = _compatible(lifecycle, bundle, compatible)
        handle.compatibility_given = compatible is not None
    _register_version(handle, bundle, None, linted=lint)
    return handle


def publish_version(
    template: TemplateHandle, path: Any, *, new_major: bool, lint: bool, compatible: Any = None
) -> TemplateHandle:
    """Another version of ``template``'s template; it keeps the template's compatible environments
    (given with ``compatible=`` or read from the registration file) unless given new ones, or unless
    the new bundle's own registration file names others."""
    __tracebackhide__ = True
    ctx = template.ctx
    bundle = bundle_upload.locate(path) if path is not None else template.bundle
    if bundle.kind != template.kind:
        raise ValueError(f"{bundle.path} is a {bundle.kind} bundle, not a {template.kind} bundle like {template!r}")
    if lint:
        ctx.lint_gate.check(bundle)
    handle = TemplateHandle(
        ctx, template.lifecycle, template.kind, template.name, logical_name=template.logical_name, bundle=bundle
    )
    handle.template_arn = template.template_arn
    handle.is_version = True
    if template.kind == SERVICE:
        if compatible is not None:
            handle.compatible_environments = _compatible(template.lifecycle, bundle, compatible)
            handle.compatibility_given = True
        elif bundle is not template.bundle and not template.compatibility_given and bundle.compatible_environments:
            handle.compatible_environments = _compatible(template.lifecycle, bundle, None)
        else:
            handle.compatible_environments = list(template.compatible_environments)
            handle.compatibility_given = template.compatibility_given
    _register_version(handle, bundle, None if new_major else template.major, linted=lint)
    return handle


def _register_version(handle: TemplateHandle, bundle: LocalBundle, major: str | None, *, linted: bool) -> None:
    __tracebackhide__ = True
    ctx = handle.ctx
    if handle.kind == SERVICE:
        _require_compatible(handle, bundle, handle.compatible_environments)
    vouch = linted and ctx.target.name == "moto"  # the emulator in this process: it need not lint again
    source = {"s3": bundle_upload.upload(ctx.s3, ctx.bucket(), bundle, handle.name, vouch=vouch)}
    params: dict[str, Any] = {"templateName": handle.name, "source": source}
    if major is not None:
        params["majorVersion"] = str(major)
    with client_errors(f"registering a version of the {handle.kind} template {handle.name}"):
        if handle.kind == ENVIRONMENT:
            version = ctx.proton.create_environment_template_version(**params)["environmentTemplateVersion"]
        else:
            params["compatibleEnvironmentTemplates"] = handle.compatible_environments
            if bundle.supported_component_sources:
                params["supportedComponentSources"] = list(bundle.supported_component_sources)
            version = ctx.proton.create_service_template_version(**params)["serviceTemplateVersion"]
    handle.major, handle.minor, handle.arn = version["majorVersion"], version["minorVersion"], version["arn"]
    ctx.bundles[(handle.kind, handle.name, handle.major, handle.minor)] = bundle
    seen = poll(
        ctx,
        handle.describe,
        lambda v: v.get("status") != "REGISTRATION_IN_PROGRESS",
        handle.lifecycle.timeout,
        f"the registration of {handle.kind} template {handle.name}:{handle.version}",
    )
    if seen["status"] == "REGISTRATION_FAILED":
        raise RegistrationFailed(
            f"{handle.kind} template version {handle.name}:{handle.version} (from {bundle.path}) ended "
            f"REGISTRATION_FAILED: {seen.get('statusMessage') or 'no statusMessage'}"
        )
    noun = "environment_template" if handle.kind == ENVIRONMENT else "service_template"
    getattr(ctx.proton, f"update_{noun}_version")(
        templateName=handle.name, majorVersion=handle.major, minorVersion=handle.minor, status="PUBLISHED"
    )
    ctx.hook.pytest_proton_template_published(template=handle)


def _template_for(lifecycle: lc.Lifecycle, template: Any, kind: str) -> TemplateHandle:
    if isinstance(template, TemplateHandle):
        if template.kind != kind:
            raise TypeError(
                f"{template!r} is {with_article(str(template.kind))} template, not {with_article(str(kind))} template"
            )
        return template
    return publish_template(lifecycle, template)


def create_environment(
    lifecycle: lc.Lifecycle,
    template: Any,
    spec: Any = None,
    *,
    name: str | None = None,
    basename: str | None = None,
    wait: bool = True,
    timeout: float | None = None,
    **extra: Any,
) -> EnvironmentHandle:
    """CreateEnvironment from a template handle (or a bundle folder, published first) and a spec."""
    __tracebackhide__ = True
    ctx = lifecycle.ctx
    template = _template_for(lifecycle, template, ENVIRONMENT)
    if spec is None:
        spec = _default_spec(template.bundle)
    logical, actual = resource_name(ctx, template.logical_name, name, basename)
    arn = f"arn:aws:proton:{ctx.target.region}:{ctx.target.account_id}:environment/{actual}"
    handle = EnvironmentHandle(ctx, lifecycle, actual, logical, template)
    entry = lifecycle.register(f"environment {actual}", arn, lambda: lc.delete_environment(ctx, actual))
    entry.handle = handle
    lifecycle.environments[logical] = handle
    params: dict[str, Any] = {
        "name": actual,
        "templateName": template.name,
        "templateMajorVersion": template.major,
        "templateMinorVersion": template.minor,
        "spec": environment_spec(spec),
    }
    if "codebuildRoleArn" not in extra and "environmentAccountConnectionId" not in extra:
        params["protonServiceRoleArn"] = ctx.service_role_arn
    params.update(extra)
    with client_errors(f"creating the environment {actual}"):
        ctx.proton.create_environment(**params)
    return handle._deployed(wait, timeout)


def create_service(
    lifecycle: lc.Lifecycle,
    template: Any,
    spec: Any = None,
    *,
    environments: Any = None,
    name: str | None = None,
    basename: str | None = None,
    repository: dict[str, str] | None = None,
    wait: bool = True,
    timeout: float | None = None,
    **extra: Any,
) -> ServiceHandle:
    """CreateService with the spec's instances mapped onto the environments the test made."""
    __tracebackhide__ = True
    ctx = lifecycle.ctx
    template = _template_for(lifecycle, template, SERVICE)
    if spec is None:
        spec = _default_spec(template.bundle)
    text = service_spec(spec, lifecycle, environments)
    logical, actual = resource_name(ctx, template.logical_name, name, basename)
    arn = f"arn:aws:proton:{ctx.target.region}:{ctx.target.account_id}:service/{actual}"
    handle = ServiceHandle(ctx, lifecycle, actual, logical, template)
    entry = lifecycle.register(f"service {actual}", arn, lambda: lc.delete_service(ctx, actual))
    entry.handle = handle
    params: dict[str, Any] = {
        "name": actual,
        "templateName": template.name,
        "templateMajorVersion": template.major,
        "templateMinorVersion": template.minor,
        "spec": text,
    }
    if template.bundle.has_pipeline:
        repo = dict(DEFAULT_REPOSITORY)
        repo["repositoryConnectionArn"] = (
            f"arn:aws:codestar-connections:{ctx.target.region}:{ctx.target.account_id}:connection/pytest-proton"
        )
        repo.update(repository or {})
        params.update(repo)
    params.update(extra)
    with client_errors(f"creating the service {actual}"):
        ctx.proton.create_service(**params)
    return handle._deployed(wait, timeout)


def create_component(
    lifecycle: lc.Lifecycle,
    path: str | Path,
    *,
    instance: Any = None,
    environment: Any = None,
    name: str | None = None,
    basename: str | None = None,
    lint: bool = True,
    wait: bool = True,
    timeout: float | None = None,
    **extra: Any,
) -> ComponentHandle:
    """CreateComponent (directly defined) from a component folder (manifest.yaml + its template file),
    attached to a service ``instance`` handle or to an ``environment`` handle."""
    __tracebackhide__ = True
    import yaml

    ctx = lifecycle.ctx
    bundle = bundle_upload.locate(path)
    if lint:
        ctx.lint_gate.check(bundle)
    manifest = (bundle.path / "manifest.yaml").read_text(encoding="utf-8")
    entries = (yaml.safe_load(manifest) or {}).get("infrastructure", {}).get("templates") or [{}]
    template_file = (bundle.path / entries[0].get("file", "cloudformation.yaml")).read_text(encoding="utf-8")
    logical, actual = resource_name(ctx, bundle.logical_name, name, basename)
    arn = f"arn:aws:proton:{ctx.target.region}:{ctx.target.account_id}:component/{actual}"
    handle = ComponentHandle(ctx, lifecycle, actual, logical)
    entry = lifecycle.register(f"component {actual}", arn, lambda: lc.delete_component(ctx, actual))
    entry.handle = handle
    params: dict[str, Any] = {"name": actual, "manifest": manifest, "templateFile": template_file}
    if instance is not None:
        params["serviceName"] = instance.service.name
        params["serviceInstanceName"] = instance.name
        params["serviceSpec"] = instance.service.describe().get("spec")
    elif environment is not None:
        params["environmentName"] = environment if isinstance(environment, str) else environment.name
    else:
        raise ValueError("a component is attached to a service instance (instance=) or an environment (environment=)")
    params.update(extra)
    with client_errors(f"creating the component {actual}"):
        ctx.proton.create_component(**params)
    return handle._deployed(wait, timeout)


class _Factory:
    def __init__(self, lifecycle: lc.Lifecycle) -> None:
        self.lifecycle = lifecycle

    def __repr__(self) -> str:
        return f"<{type(self).__name__} for {self.lifecycle.name}>"


class TemplateFactory(_Factory):
    """``proton_template`` and ``proton_template_factory``: publish a template from a bundle folder.

    The session factory publishes a folder once: the same path and arguments give the same handle.
    """

    def __init__(self, lifecycle: lc.Lifecycle, *, memo: bool = False) -> None:
        super().__init__(lifecycle)
        self._memo: dict[Any, TemplateHandle] | None = {} if memo else None

    def __call__(
        self,
        path: str | Path,
        *,
        name: str | None = None,
        basename: str | None = None,
        lint: bool = True,
        compatible: Any = None,
        description: str | None = None,
    ) -> TemplateHandle:
        """Lint the bundle, archive and upload it, create the template and its first version, wait
        until it is registered, publish it.

        :param path: a bundle folder (``vpc-env/v1``) or a template folder holding ``v1/``, ``v2/``
            (the highest is taken).
        :param name: the template's exact name (no suffix; uniqueness is then the test's business).
        :param basename: the readable part of a unique name (default: the template folder's name).
        :param lint: run proton-lint first and fail on error-level findings (``False``: skip).
        :param compatible: a service template's compatible environment templates: handles,
            ``"name:major"`` strings or ``(handle or name, major)`` pairs (default: the bundle's
            ``.template-registration.yaml`` or ``.compatible-envs``).
        :param description: the template's description.
        """
        __tracebackhide__ = True
        options = {
            "name": name,
            "basename": basename,
            "lint": lint,
            "compatible": compatible,
            "description": description,
        }
        if self._memo is None:
            return publish_template(self.lifecycle, path, **options)
        key = (str(bundle_upload.locate(path).path), repr(sorted(options.items())))
        handle = self._memo.get(key)
        if handle is None or all(e.handle is not handle or e.done for e in self.lifecycle.entries):
            handle = self._memo[key] = publish_template(self.lifecycle, path, **options)
        return handle


class EnvironmentFactory(_Factory):
    """``proton_env`` and ``proton_env_factory``: CreateEnvironment."""

    def __call__(
        self,
        template: TemplateHandle | str | Path,
        spec: Any = None,
        *,
        name: str | None = None,
        basename: str | None = None,
        wait: bool = True,
        timeout: float | None = None,
        **params: Any,
    ) -> EnvironmentHandle:
        """Create an environment and wait until it is deployed.

        :param template: an environment template handle, or a bundle folder (published first).
        :param spec: a path, YAML text or a dict (a dict without ``proton:`` holds the inputs);
            default: the linter's first sample spec for the bundle.
        :param name: the environment's exact name (no suffix).
        :param basename: the readable part of a unique name (default: the template's); service specs
            name environments by it.
        :param wait: wait until the deployment settles (``DeploymentFailed`` when it fails).
        :param timeout: seconds to wait (default: ``--proton-timeout``).
        :param params: more CreateEnvironment members (``codebuildRoleArn``, ``tags``, ...).
        """
        __tracebackhide__ = True
        return create_environment(
            self.lifecycle, template, spec, name=name, basename=basename, wait=wait, timeout=timeout, **params
        )


class ServiceFactory(_Factory):
    """``proton_service`` and ``proton_service_factory``: CreateService."""

    def __call__(
        self,
        template: TemplateHandle | str | Path,
        spec: Any = None,
        *,
        environments: Any = None,
        name: str | None = None,
        basename: str | None = None,
        repository: dict[str, str] | None = None,
        wait: bool = True,
        timeout: float | None = None,
        **params: Any,
    ) -> ServiceHandle:
        """Create a service (its instances and pipeline) and wait until every part is deployed.

        :param template: a service template handle, or a bundle folder (published first).
        :param spec: a path, YAML text or a dict (``instances``, ``pipeline``); default: the
            linter's first sample spec for the bundle.
        :param environments: where the spec's instances go: one environment handle for all, a list
            matched by logical name, or ``{spec name: handle or name}``; default: the environments
            this test (or the session) made with the names the spec uses.
        :param name: the service's exact name (no suffix).
        :param basename: the readable part of a unique name (default: the template's).
        :param repository: ``repositoryConnectionArn``, ``repositoryId``, ``branchName`` for a
            template with a pipeline (placeholders by default, which the emulator accepts).
        :param wait: wait until every deployment settles.
        :param timeout: seconds to wait (default: ``--proton-timeout``).
        :param params: more CreateService members (``description``, ``tags``, ...).
        """
        __tracebackhide__ = True
        return create_service(
            self.lifecycle,
            template,
            spec,
            environments=environments,
            name=name,
            basename=basename,
            repository=repository,
            wait=wait,
            timeout=timeout,
            **params,
        )


class ComponentFactory(_Factory):
    """``proton_component`` and ``proton_component_factory``: CreateComponent (directly defined)."""

    def __call__(
        self,
        path: str | Path,
        *,
        instance: ServiceInstanceHandle | None = None,
        environment: EnvironmentHandle | str | None = None,
        name: str | None = None,
        basename: str | None = None,
        lint: bool = True,
        wait: bool = True,
        timeout: float | None = None,
        **params: Any,
    ) -> ComponentHandle:
        """Create a component from a folder with ``manifest.yaml`` and its template file.

        :param path: the component folder.
        :param instance: the service instance handle to attach it to.
        :param environment: or the environment (handle or name) to attach it to.
        :param name: the component's exact name (no suffix).
        :param basename: the readable part of a unique name (default: the folder's name).
        :param lint: run proton-lint first and fail on error-level findings.
        :param wait: wait until the deployment settles.
        :param timeout: seconds to wait (default: ``--proton-timeout``).
        :param params: more CreateComponent members (``description``, ``tags``, ...).
        """
        __tracebackhide__ = True
        return create_component(
            self.lifecycle,
            path,
            instance=instance,
            environment=environment,
            name=name,
            basename=basename,
            lint=lint,
            wait=wait,
            timeout=timeout,
            **params,
        )
