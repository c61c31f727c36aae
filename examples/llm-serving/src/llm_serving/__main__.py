"""Command line: ``llm-serving serve`` runs the API, ``llm-serving healthcheck`` probes it."""

from __future__ import annotations

import argparse
import sys

import httpx
import uvicorn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="llm-serving")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=8000)
    probe = sub.add_parser("healthcheck", help="exit 0 when the local server answers /health")
    probe.add_argument("--url", default="http://127.0.0.1:8000/health")
    args = parser.parse_args(argv)

    if args.command == "serve":
        uvicorn.run("llm_serving.app:app", host=args.host, port=args.port, workers=1)
        return 0
    try:
        response = httpx.get(args.url, timeout=5.0)
    except httpx.HTTPError as e:
        print(f"unhealthy: {e}", file=sys.stderr)
        return 1
    return 0 if response.status_code == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
