"""Static files in production: hashed names and compressed copies (WhiteNoise), served by the
web processes themselves or by a reverse proxy from STATIC_ROOT (docs/deployment.md)."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    # Vendored npm packages ship without their source maps: rewrite CSS url() and @import
    # references only, not the sourceMappingURL comments that point to absent .map files.
    patterns = (
        (
            "*.css",
            (
                r"""(?P<matched>url\(['"]{0,1}\s*(?P<url>.*?)["']{0,1}\))""",
                (
                    r"""(?P<matched>@import\s*["']\s*(?P<url>.*?)["'])""",
                    """@import url("%(url)s")""",
                ),
            ),
        ),
    )
    # An asset referenced by a vendored stylesheet but absent keeps its name instead of failing.
    manifest_strict = False
