"""One JSON line per request on stdout, which Lambda sends to CloudWatch Logs."""

import json
import sys
from typing import TextIO


def write_access_log(record: dict, stream: TextIO | None = None) -> None:
    """Write `record` as one JSON line; callers must leave credentials and URLs out."""
    line = json.dumps(record, separators=(",", ":"), default=str)
    target = stream if stream is not None else sys.stdout
    target.write(line + "\n")
    target.flush()
