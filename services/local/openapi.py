"""`make openapi`: write the specs both apps generate to openapi/; `check` fails when they differ."""

import json
import sys
from typing import Any

from services.analytics.main import create_app as create_analytics_app
from services.api.main import create_app as create_api_app
from services.local.database import REPO_ROOT

SPEC_DIR = REPO_ROOT / "openapi"


def generated_specs() -> dict[str, dict[str, Any]]:
    return {"api.json": create_api_app().openapi(), "analytics.json": create_analytics_app().openapi()}


def render(spec: dict[str, Any]) -> str:
    return json.dumps(spec, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main(argv: list[str]) -> int:
    mode = argv[0] if argv else "write"
    stale: list[str] = []
    for name, spec in generated_specs().items():
        path = SPEC_DIR / name
        text = render(spec)
        if mode == "write":
            SPEC_DIR.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(REPO_ROOT)}")
        elif not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    if stale:
        print(
            "out of date: " + ", ".join(stale) + " — run `make openapi` and commit the result",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
