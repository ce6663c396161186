"""prerender/targets.py: atomic writes to a folder, put_object to S3 (moto)."""

import gzip
import json

import pytest

from prerender.page import MANIFEST_NAME, ManifestError
from prerender.targets import (
    PAGE_CACHE_CONTROL,
    BucketTarget,
    FolderTarget,
    TargetError,
    write_atomically,
)

BUCKET = "qualifier-hub-site"


def test_folder_write_replaces_page_and_gzip(dist):
    target = FolderTarget(dist)

    target.write("<p>new page</p>")

    assert (dist / "index.html").read_text() == "<p>new page</p>"
    assert gzip.decompress((dist / "index.html.gz").read_bytes()) == b"<p>new page</p>"


def test_folder_write_leaves_no_temporary_files(dist):
    before = sorted(path.name for path in dist.iterdir())

    FolderTarget(dist).write("<p>x</p>")

    assert sorted(path.name for path in dist.iterdir()) == before


def test_folder_write_leaves_no_stale_brotli_copy(dist):
    stale = dist / "index.html.br"
    stale.write_bytes(b"old")

    FolderTarget(dist).write("<p>x</p>")

    # Rewritten when the brotli module is installed, removed when it is not.
    assert not stale.exists() or stale.read_bytes() != b"old"


def test_folder_write_failure_names_path(tmp_path):
    target = FolderTarget(tmp_path / "missing")

    with pytest.raises(TargetError, match="cannot write .*missing/index.html"):
        target.write("<p>x</p>")


def test_atomic_write_keeps_old_file_on_error(tmp_path):
    path = tmp_path / "index.html"
    path.write_text("old")

    with pytest.raises(TypeError):
        write_atomically(path, "not bytes")

    assert path.read_text() == "old"
    assert [item.name for item in tmp_path.iterdir()] == ["index.html"]


def test_folder_reads_manifest_next_to_page(dist, manifest):
    assert FolderTarget(dist).read_manifest() == manifest


@pytest.fixture
def bucket(s3, manifest):
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=MANIFEST_NAME, Body=json.dumps(manifest).encode())
    yield BUCKET
    for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        s3.delete_object(Bucket=BUCKET, Key=item["Key"])
    s3.delete_bucket(Bucket=BUCKET)


def test_bucket_write_sets_type_and_cache_control(s3, bucket):
    target = BucketTarget(s3, bucket, "index.html", MANIFEST_NAME)

    target.write("<p>página</p>")

    stored = s3.get_object(Bucket=bucket, Key="index.html")
    assert stored["Body"].read().decode() == "<p>página</p>"
    assert stored["ContentType"] == "text/html; charset=utf-8"
    assert stored["CacheControl"] == PAGE_CACHE_CONTROL


def test_bucket_reads_manifest_from_bucket(s3, bucket, manifest):
    target = BucketTarget(s3, bucket, "index.html", MANIFEST_NAME)

    assert target.read_manifest() == manifest


def test_bucket_without_manifest_says_upload(s3, bucket):
    s3.delete_object(Bucket=bucket, Key=MANIFEST_NAME)
    target = BucketTarget(s3, bucket, "index.html", MANIFEST_NAME)

    with pytest.raises(ManifestError, match="upload the built site first"):
        target.read_manifest()


def test_bucket_write_failure_names_bucket(s3):
    target = BucketTarget(s3, "no-such-bucket", "index.html", MANIFEST_NAME)

    with pytest.raises(TargetError, match="s3://no-such-bucket/index.html"):
        target.write("<p>x</p>")


def test_bucket_knows_its_current_page(s3, bucket):
    target = BucketTarget(s3, bucket, "index.html", MANIFEST_NAME)
    assert not target.is_current("<p>x</p>")

    target.write("<p>x</p>")

    assert target.is_current("<p>x</p>")
    assert not target.is_current("<p>y</p>")


def test_folder_knows_its_current_page(dist):
    target = FolderTarget(dist)
    target.write("<p>x</p>")

    assert target.is_current("<p>x</p>")
    assert not target.is_current("<p>y</p>")
