"""Regenerate service/_generated from the .proto files (run: make protos)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "protos"
OUT = ROOT / "service" / "_generated"
PACKAGE = "service._generated"


def main() -> int:
    """Run protoc on every proto and make the output importable as a package."""
    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in PROTO_ROOT.rglob("*.proto"))
    OUT.mkdir(parents=True, exist_ok=True)
    include = Path(protoc.__file__).parent / "_proto"
    status = protoc.main(
        [
            "grpc_tools.protoc",
            f"-I{PROTO_ROOT}",
            f"-I{include}",
            f"--python_out={OUT}",
            f"--pyi_out={OUT}",
            f"--grpc_python_out={OUT}",
            *protos,
        ]
    )
    if status != 0:
        return int(status)
    # protoc writes absolute imports ("from conceptkg.v1 import ..."); point
    # them at this package so the stubs need no sys.path changes.
    for path in OUT.rglob("*.py"):
        text = path.read_text()
        fixed = re.sub(
            r"^from conceptkg\.", f"from {PACKAGE}.conceptkg.", text, flags=re.M
        )
        path.write_text(fixed)
    for folder in [OUT, *(p for p in OUT.rglob("*") if p.is_dir())]:
        (folder / "__init__.py").touch()
    return 0


if __name__ == "__main__":
    sys.exit(main())
