from typing import Any

import yaml
from rest_framework.renderers import BaseRenderer


class YAMLRenderer(BaseRenderer):
    media_type = "application/yaml"
    format = "yaml"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type=None, renderer_context=None
    ) -> bytes:
        return yaml.safe_dump(
            data, allow_unicode=True, sort_keys=False, width=100
        ).encode()


class CSVRenderer(BaseRenderer):
    """Render text already built as CSV by the view (see core.csv).

    Errors never reach it: the exception handler renders them as JSON.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type=None, renderer_context=None
    ) -> bytes:
        return data.encode()
