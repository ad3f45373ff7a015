"""Static files in a Cloud Storage bucket behind Cloud CDN."""

from urllib.parse import quote

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from storages.backends.gcloud import GoogleCloudStorage

# Hashed names never change content, so the CDN and browsers may keep them for a year.
IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable"


class CdnGoogleCloudStorage(GoogleCloudStorage):
    """Objects under static/ in the bucket, addressed through the CDN (STATIC_URL)."""

    def __init__(self, **options):
        options.setdefault("location", "static")
        # The bucket uses uniform bucket-level access: no per-object ACL is sent, public
        # read comes from the bucket's IAM policy.
        options.setdefault("default_acl", None)
        options.setdefault("querystring_auth", False)
        super().__init__(**options)

    def url(self, name, parameters=None):
        # Through the CDN, never storage.googleapis.com: the CDN caches and terminates TLS.
        return settings.STATIC_URL + quote(name.lstrip("/"), safe="/~")


class ManifestGoogleCloudStorage(ManifestFilesMixin, CdnGoogleCloudStorage):
    """collectstatic uploads content-hashed copies plus staticfiles.json to the bucket,
    each with a long-lived Cache-Control header."""

    def __init__(self, **options):
        options.setdefault("object_parameters", {"cache_control": IMMUTABLE_CACHE_CONTROL})
        super().__init__(**options)
