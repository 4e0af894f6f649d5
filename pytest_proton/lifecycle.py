"""The session context and the cleanup registry of one scope (a test, or the session).

Every resource is registered for deletion *before* the create call (pytest-terraform's rule), so a
create that fails half-way, times out, or is interrupted is still cleaned up, by name. Teardown
walks the registry backwards (dependents were created after what they depend on: components,
services, environments, templates, the bucket), deletes each resource and waits until it is gone,
and goes on after a failure; what could not be deleted is listed in one TeardownError.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_proton.bundle_upload import LintGate
from pytest_proton.errors import TeardownError
from pytest_proton.handles import DEPLOYMENT_IN_FLIGHT, collect, error_code, not_found, poll
from pytest_proton.naming import Namer


class Context:
    """What every fixture of a session shares: target, clients, names, lint results, bucket, hooks."""

    def __init__(self, target: Any, hook: Any, namer: Namer, settings: Any, lint_cache_dir: Path | None = None) -> None:
        self.target = target
        self.hook = hook
        self.namer = namer
        self.settings = settings
        self.lint_gate = LintGate(settings.lint_cache_root, lint_cache_dir)
        self.proton = target.client("proton")
        self._s3: Any = None
        self._bucket: str | None = None
        self._lock = threading.Lock()
        self.kept: list[tuple[str, str, str]] = []  # (nodeid, label, arn)
        #: the local bundle of every version published: (kind, template name, major, minor) -> LocalBundle
        self.bundles: dict[tuple[str, str, str, str], Any] = {}
        self.session: Lifecycle | None = None

    @property
    def s3(self) -> Any:
        if self._s3 is None:
            self._s3 = self.target.client("s3")
        return self._s3

    @property
    def service_role_arn(self) -> str:
        return self.settings.service_role_arn or f"arn:aws:iam::{self.target.account_id}:role/pytest-proton-service"

    def bucket(self) -> str:
        """The S3 bucket bundles are uploaded to: given with --proton-bucket, else made for the session."""
        with self._lock:
            if self._bucket is None:
                if self.settings.bucket:
                    self._bucket = self.settings.bucket
                else:
                    name = self.namer.bucket(self.target.account_id, self.target.region)
                    assert self.session is not None
                    self.session.register(
                        f"S3 bucket {name}", f"arn:aws:s3:::{name}", lambda: delete_bucket(self, name)
                    )
                    params: dict[str, Any] = {"Bucket": name}
                    if self.target.region != "us-east-1":
                        params["CreateBucketConfiguration"] = {"LocationConstraint": self.target.region}
                    self.s3.create_bucket(**params)
                    self._bucket = name
            return self._bucket


@dataclass
class Entry:
    label: str
    arn: str
    delete: Callable[[], None]
    handle: Any = None
    done: bool = False


@dataclass
class Lifecycle:
    """The resources of one scope, in creation order."""

    ctx: Context
    name: str
    parent: Lifecycle | None = None
    timeout: float = 30.0
    entries: list[Entry] = field(default_factory=list)
    templates: dict[Any, Any] = field(default_factory=dict)
    environments: dict[str, Any] = field(default_factory=dict)

    def register(self, label: str, arn: str, delete: Callable[[], None]) -> Entry:
        entry = Entry(label, arn, delete)
        self.entries.append(entry)
        return entry

    def forget(self, handle: Any) -> None:
        for entry in self.entries:
            if entry.handle is handle:
                entry.done = True
        self.environments = {k: v for k, v in self.environments.items() if v is not handle}

    # lookups through the scope chain (the test's own first, then the session's) ----------------
    def find_template(self, logical: str) -> Any:
        scope: Lifecycle | None = self
        while scope is not None:
            for handle in reversed(list(scope.templates.values())):
                if logical in (handle.logical_name, handle.name, handle.bundle.logical_name):
                    return handle
            scope = scope.parent
        return None

    def find_environment(self, logical: str) -> Any:
        scope: Lifecycle | None = self
        while scope is not None:
            if logical in scope.environments:
                return scope.environments[logical]
            scope = scope.parent
        return None

    def all_environments(self) -> list[Any]:
        found: list[Any] = []
        scope: Lifecycle | None = self
        while scope is not None:
            found.extend(scope.environments.values())
            scope = scope.parent
        return found

    def live(self) -> list[Entry]:
        return [entry for entry in self.entries if not entry.done]

    # teardown -----------------------------------------------------------------------------------
    def keep(self, nodeid: str) -> list[Entry]:
        """Keep every live resource (for --proton-keep-failed); return the kept entries."""
        kept = self.live()
        for entry in kept:
            entry.done = True
            self.ctx.kept.append((nodeid, entry.label, entry.arn))
            if entry.handle is not None:
                self.ctx.hook.pytest_proton_resource_kept(resource=entry.handle, nodeid=nodeid)
        return kept

    def teardown(self, *, tolerate: bool = False) -> None:
        """Delete every live resource, newest first; TeardownError lists those that failed."""
        failures: list[str] = []
        failed: list[Entry] = []
        for entry in reversed(self.entries):
            if entry.done:
                continue
            try:
                entry.delete()
            except BaseException as error:  # noqa: BLE001 - keep going, report every leak at the end
                failed.append(entry)
                if isinstance(error, KeyboardInterrupt):
                    failures.append(f"{entry.label} ({entry.arn}): interrupted")
                    continue
                failures.append(f"{entry.label} ({entry.arn}): {type(error).__name__}: {error}")
                continue
            entry.done = True
            if entry.handle is not None:
                self.ctx.hook.pytest_proton_resource_deleted(resource=entry.handle)
        if tolerate:
            # still in use by resources that --proton-keep-failed kept: listed with them
            self.ctx.kept.extend((self.name, f"{e.label} (in use by kept resources)", e.arn) for e in failed)
            return
        if failures:
            raise TeardownError(
                f"pytest_proton could not delete {len(failures)} resource(s) of {self.name}; they may have leaked:\n  "
                + "\n  ".join(failures)
            )


# deleting by name (used by teardown and by the handles) ------------------------------------------


def _ignore_missing(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Exception as error:
        if not_found(error):
            return None
        raise


def _settle(ctx: Context, read: Callable[[], dict[str, Any] | None], cancel: Callable[[], Any], what: str) -> None:
    """If a deployment is in progress, cancel it and wait until it settles."""
    seen = _ignore_missing(read)
    if seen is None:
        return
    in_flight = seen.get("deploymentStatus") in DEPLOYMENT_IN_FLIGHT or seen.get("status", "").endswith("IN_PROGRESS")
    if not in_flight:
        return
    try:
        cancel()
    except Exception as error:
        if error_code(error) not in ("ConflictException", "ValidationException", "ResourceNotFoundException"):
            raise
    poll(
        ctx,
        lambda: _ignore_missing(read) or {},
        lambda d: (
            d.get("deploymentStatus") not in DEPLOYMENT_IN_FLIGHT and not d.get("status", "").endswith("IN_PROGRESS")
        ),
        ctx.target.timeout,
        what,
    )


def _wait_gone(ctx: Context, read: Callable[[], Any], what: str) -> None:
    def state() -> Any:
        try:
            return read()
        except Exception as error:
            if not_found(error):
                return None
            raise

    seen = poll(
        ctx,
        state,
        lambda d: d is None or (d.get("deploymentStatus") or d.get("status") or "").endswith("FAILED"),
        ctx.target.timeout,
        what,
    )
    if seen is not None:
        message = seen.get("deploymentStatusMessage") or seen.get("statusMessage")
        raise RuntimeError(f"{what} failed: {message or 'no status message'}")


def delete_environment(ctx: Context, name: str) -> None:
    client = ctx.proton
    read = lambda: client.get_environment(name=name)["environment"]  # noqa: E731
    _settle(ctx, read, lambda: client.cancel_environment_deployment(environmentName=name), f"environment {name}")
    if _ignore_missing(lambda: client.delete_environment(name=name)) is None:
        return
    _wait_gone(ctx, read, f"deleting environment {name}")


def delete_service(ctx: Context, name: str) -> None:
    client = ctx.proton

    def read() -> dict[str, Any]:
        return client.get_service(name=name)["service"]

    def cancel_all() -> None:
        for instance in collect(client.list_service_instances, "serviceInstances", serviceName=name):
            if instance.get("deploymentStatus") == "IN_PROGRESS":
                _ignore_missing(
                    lambda i=instance: client.cancel_service_instance_deployment(
                        serviceName=name, serviceInstanceName=i["name"]
                    )
                )
        pipeline = (_ignore_missing(read) or {}).get("pipeline") or {}
        if pipeline.get("deploymentStatus") == "IN_PROGRESS":
            _ignore_missing(lambda: client.cancel_service_pipeline_deployment(serviceName=name))

    _settle(ctx, read, cancel_all, f"service {name}")
    if _ignore_missing(lambda: client.delete_service(name=name)) is None:
        return
    _wait_gone(ctx, read, f"deleting service {name}")


def delete_component(ctx: Context, name: str) -> None:
    client = ctx.proton
    read = lambda: client.get_component(name=name)["component"]  # noqa: E731
    _settle(ctx, read, lambda: client.cancel_component_deployment(componentName=name), f"component {name}")
    detach_component(ctx, name)
    if _ignore_missing(lambda: client.delete_component(name=name)) is None:
        return
    _wait_gone(ctx, read, f"deleting component {name}")


def detach_component(ctx: Context, name: str) -> None:
    """Detach a component from its service instance and wait: Proton deletes no attached component."""
    client = ctx.proton
    read = lambda: client.get_component(name=name)["component"]  # noqa: E731
    seen = _ignore_missing(read)
    if not seen or not seen.get("serviceInstanceName"):
        return
    client.update_component(name=name, serviceName="", serviceInstanceName="", deploymentType="CURRENT_VERSION")
    seen = poll(
        ctx,
        lambda: _ignore_missing(read) or {},
        lambda d: d.get("deploymentStatus") not in DEPLOYMENT_IN_FLIGHT,
        ctx.target.timeout,
        f"detaching component {name}",
    )
    if seen.get("serviceInstanceName"):
        # The detaching deployment failed (a template that reads service_instance.inputs cannot render
        # detached) and the component is still attached: say so rather than let DeleteComponent conflict.
        raise RuntimeError(f"detaching component {name} failed: {seen.get('deploymentStatusMessage')}")


def delete_template(ctx: Context, kind: str, name: str) -> None:
    """Delete every version (the Recommended ones last, as Proton requires) and then the template."""
    client = ctx.proton
    noun = "environment_template" if kind == "environment" else "service_template"
    listing = getattr(client, f"list_{noun}_versions")
    delete_version = getattr(client, f"delete_{noun}_version")
    versions = _ignore_missing(lambda: collect(listing, "templateVersions", templateName=name))
    if versions is None:
        return
    remaining = [(v["majorVersion"], v["minorVersion"]) for v in versions]
    while remaining:
        progress, conflicts = [], []
        for major, minor in remaining:
            try:
                _ignore_missing(
                    lambda a=major, b=minor: delete_version(templateName=name, majorVersion=a, minorVersion=b)
                )
                progress.append((major, minor))
            except Exception as error:
                if error_code(error) != "ConflictException":
                    raise
                conflicts.append(str(error))
        if not progress:
            raise RuntimeError(f"cannot delete the versions of {kind} template {name}: {'; '.join(conflicts)}")
        remaining = [v for v in remaining if v not in progress]
    _ignore_missing(lambda: getattr(client, f"delete_{noun}")(name=name))


def delete_bucket(ctx: Context, name: str) -> None:
    s3 = ctx.s3
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=name, Delete={"Objects": keys})
        s3.delete_bucket(Bucket=name)
    except Exception as error:
        if error_code(error) != "NoSuchBucket":
            raise
