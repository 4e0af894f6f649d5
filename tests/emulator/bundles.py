"""Template bundles for emulator tests: tar.gz archives built in memory and put into moto's S3."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

import boto3

from proton_lint.testing import BASES

BUCKET = "bundles"


def archive(files: dict[str, str | bytes], prefix: str = "") -> bytes:
    """A gzipped tar holding ``files`` (path -> text), under the folder ``prefix`` when given."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for rel, text in sorted(files.items()):
            data = text.encode() if isinstance(text, str) else text
            info = tarfile.TarInfo(f"{prefix}/{rel}" if prefix else rel)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def folder_files(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` (a bundle folder of the corpus), by path relative to it."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def base(name: str, **overrides: str | None) -> dict[str, str]:
    """One of proton_lint.testing's small valid bundles, with files replaced (None removes one)."""
    files = {**BASES[name], **{k.replace("__", "/"): v for k, v in overrides.items()}}
    return {k: v for k, v in files.items() if v is not None}


def upload(s3: Any, key: str, files: dict[str, Any] | bytes, bucket: str = BUCKET) -> dict[str, Any]:
    """Put a bundle in moto's S3 (creating the bucket) and return the ``source`` to register it from."""
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        s3.create_bucket(Bucket=bucket)
    body = files if isinstance(files, bytes) else archive(files)
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    return {"s3": {"bucket": bucket, "key": key}}


def stock(s3: Any) -> None:
    """Small valid bundles at the keys the older emulator tests register from.

    ``env.tar.gz`` is an environment (input ``vpc_cidr`` with a default); ``svc.tar.gz`` and
    ``web.tar.gz`` a service with a pipeline (inputs ``port``, pipeline input ``dockerfile``);
    ``codebuild-env.tar.gz`` an environment provisioned by CodeBuild; ``customer-managed-env.tar.gz``
    a customer-managed environment (only a schema: inputs ``VpcId`` and ``ClusterName``, required).
    """
    upload(s3, "env.tar.gz", base("environment"))
    upload(s3, "svc.tar.gz", base("service"))
    upload(s3, "web.tar.gz", base("service"))
    upload(s3, "codebuild-env.tar.gz", base("codebuild-environment"))
    upload(s3, "customer-managed-env.tar.gz", base("customer-managed-environment"))


def s3_for(client: Any) -> Any:
    """An S3 client that reaches the same emulator as the Proton ``client`` (in-process or a server URL)."""
    url = client.meta.endpoint_url
    endpoint = None if url.endswith(".amazonaws.com") else url
    return boto3.client("s3", region_name=client.meta.region_name, endpoint_url=endpoint)
