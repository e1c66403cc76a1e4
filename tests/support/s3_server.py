"""A real S3-compatible server for the tests of a lake in object storage: moto's standalone server (`moto_server`,
the `moto[server]` dev dependency), a separate process on a free loopback port, with signature checking on.

Production points the same settings at MinIO or S3; no MinIO binary or container engine exists on the machines the
tests run on. moto checks request signatures only when asked (`INITIAL_NO_AUTH_ACTION_COUNT`): its first requests
go through unsigned, and are spent creating an IAM user, its access key and a policy allowing S3; every later
request must be signed with that key, so a wrong secret is refused (HTTP 403) as MinIO or S3 refuse it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from tests.support.prefect_server import free_port

MOTO_SERVER = str(Path(sys.executable).with_name("moto_server"))
REGION = "us-east-1"
# The unsigned requests moto lets through before it checks signatures: create_user, create_access_key,
# put_user_policy (see `_user_with_a_key`). Count them again when changing that function.
UNSIGNED_SETUP_REQUESTS = 3
ALLOW_S3 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


@dataclass(frozen=True)
class S3Server:
    endpoint: str  # host:port, as INGEST_S3_ENDPOINT takes it
    access_key_id: str
    secret_access_key: str

    def client(self, secret: str | None = None) -> Any:
        """A boto3 S3 client signing with the server's key (or with another `secret`)."""
        return boto3.client("s3", endpoint_url=f"http://{self.endpoint}", region_name=REGION,
                            aws_access_key_id=self.access_key_id,
                            aws_secret_access_key=self.secret_access_key if secret is None else secret)

    def create_bucket(self, name: str) -> None:
        self.client().create_bucket(Bucket=name)

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """Every object key under `prefix` in `bucket`."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def settings_env(self, secret: str | None = None) -> dict[str, str]:
        """The INGEST_S3_* variables of a lake on this server (plain http, path-style URLs as MinIO takes them)."""
        return {"INGEST_S3_ENDPOINT": self.endpoint, "INGEST_S3_REGION": REGION,
                "INGEST_S3_ACCESS_KEY_ID": self.access_key_id,
                "INGEST_S3_SECRET_ACCESS_KEY": self.secret_access_key if secret is None else secret,
                "INGEST_S3_USE_SSL": "false", "INGEST_S3_URL_STYLE": "path"}


@contextmanager
def s3_server(startup_seconds: float = 60) -> Iterator[S3Server]:
    """`moto_server` on a free loopback port, stopped (and its in-memory buckets gone) at the end."""
    port = free_port()
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(UNSIGNED_SETUP_REQUESTS)}
    process = subprocess.Popen([MOTO_SERVER, "-H", "127.0.0.1", "-p", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(process, port, startup_seconds)
        key_id, secret = _user_with_a_key(f"127.0.0.1:{port}")
        yield S3Server(f"127.0.0.1:{port}", key_id, secret)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(process: subprocess.Popen[bytes], port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited with {process.returncode} before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"moto_server did not listen on port {port} within {seconds:g}s")


def _user_with_a_key(endpoint: str) -> tuple[str, str]:
    """An IAM user allowed every S3 action, and its access key (moto's unsigned setup requests, see the module)."""
    iam = boto3.client("iam", endpoint_url=f"http://{endpoint}", region_name=REGION,
                       aws_access_key_id="setup", aws_secret_access_key="setup")
    iam.create_user(UserName="ingest")
    key = iam.create_access_key(UserName="ingest")["AccessKey"]
    iam.put_user_policy(UserName="ingest", PolicyName="s3", PolicyDocument=json.dumps(ALLOW_S3))
    return key["AccessKeyId"], key["SecretAccessKey"]
