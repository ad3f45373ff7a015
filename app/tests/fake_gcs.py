"""An in-memory stand-in for google.cloud.storage's Bucket and Blob, just wide enough for
django-storages: the storage backend, ManifestFilesMixin and collectstatic run for real on top."""

from __future__ import annotations


class FakeBlob:
    def __init__(self, bucket: FakeBucket, name: str):
        self.bucket = bucket
        self.name = name
        self.cache_control = None
        self.content_type = None
        self.predefined_acl = "unset"
        self.data = b""

    @property
    def size(self) -> int:
        return len(self.data)

    def upload_from_file(self, file, rewind=False, size=None, content_type=None, predefined_acl=None, **_):
        if rewind:
            file.seek(0)
        self.data = file.read()
        self.content_type = content_type
        self.predefined_acl = predefined_acl
        self.bucket.objects[self.name] = self

    def download_to_file(self, file, **_):
        file.write(self.data)


class FakeBucket:
    def __init__(self):
        self.objects: dict[str, FakeBlob] = {}

    def blob(self, name, chunk_size=None, **_):
        return FakeBlob(self, name)

    def get_blob(self, name, chunk_size=None, **_):
        return self.objects.get(name)

    def delete_blob(self, name, **_):
        self.objects.pop(name, None)
