"""Page targets: a served folder or the site's S3 bucket.

Each target also reads the build manifest that sits next to the page it writes,
so a new build of the site is picked up without restarting the service.
"""

import gzip
import hashlib
import logging
import os
import tempfile
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from prerender.page import MANIFEST_NAME, ManifestError, parse_manifest, read_manifest

logger = logging.getLogger(__name__)

HTML_TYPE = "text/html; charset=utf-8"
# Browsers and CDNs must revalidate the page; its assets have hashed names instead.
PAGE_CACHE_CONTROL = "no-cache"


class TargetError(Exception):
    """Writing the page failed; the message names the target and the cause."""


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that readers see the old or the new file, never half."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _brotli():
    try:
        import brotli
    except ImportError:
        return None
    return brotli


class FolderTarget:
    """index.html in a served folder, with the compressed copies the host serves first."""

    def __init__(
        self, folder: Path, name: str = "index.html", manifest: Path | None = None
    ):
        self.folder = Path(folder)
        self.path = self.folder / name
        self.manifest_path = manifest or self.folder / MANIFEST_NAME
        self.description = str(self.path)

    def read_manifest(self) -> dict:
        return read_manifest(self.manifest_path)

    def is_current(self, html: str) -> bool:
        """Return True when the served page is `html` already (a rebuild replaces it)."""
        try:
            return self.path.read_bytes() == html.encode()
        except OSError:
            return False

    def write(self, html: str) -> None:
        data = html.encode()
        brotli = _brotli()
        try:
            write_atomically(
                self.path.with_name(self.path.name + ".gz"),
                gzip.compress(data, compresslevel=9, mtime=0),
            )
            br_path = self.path.with_name(self.path.name + ".br")
            if brotli is not None:
                write_atomically(br_path, brotli.compress(data))
            else:
                br_path.unlink(missing_ok=True)  # a stale copy would be served first
            write_atomically(self.path, data)
        except OSError as exc:
            raise TargetError(
                f"cannot write {self.path}: {exc.strerror or exc}"
            ) from exc


class BucketTarget:
    """index.html as an S3 object; `client` is a boto3 S3 client."""

    def __init__(
        self,
        client,
        bucket: str,
        key: str,
        manifest_key: str,
        manifest: Path | None = None,
    ):
        self.client = client
        self.bucket = bucket
        self.key = key
        self.manifest_key = manifest_key
        self.manifest_path = manifest
        self.description = f"s3://{bucket}/{key}"

    def read_manifest(self) -> dict:
        if self.manifest_path is not None:
            return read_manifest(self.manifest_path)
        source = f"s3://{self.bucket}/{self.manifest_key}"
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.manifest_key)
            data = response["Body"].read()
        except (BotoCoreError, ClientError) as exc:
            raise ManifestError(
                f"cannot read build manifest {source}: {exc}; upload the built site first"
            ) from exc
        return parse_manifest(data, source)

    def is_current(self, html: str) -> bool:
        """Return True when the object contains `html` already, by its ETag.

        The ETag of an object from a single put_object is the MD5 of its body.
        """
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key)
        except (BotoCoreError, ClientError):
            return False
        digest = hashlib.md5(html.encode(), usedforsecurity=False).hexdigest()
        return head["ETag"].strip('"') == digest

    def write(self, html: str) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.key,
                Body=html.encode(),
                ContentType=HTML_TYPE,
                CacheControl=PAGE_CACHE_CONTROL,
            )
        except (BotoCoreError, ClientError) as exc:
            raise TargetError(f"cannot write {self.description}: {exc}") from exc
