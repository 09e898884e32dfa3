"""python -m viz.playground build SITE_DIR | serve SITE_DIR [--host 0.0.0.0] [--port 8000]"""

from __future__ import annotations

import argparse
import sys

from viz.playground.build import PlaygroundBuildError, build, site_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m viz.playground",
                                     description="chaingrad's no-install playground: build the static site, or serve it")
    commands = parser.add_subparsers(dest="command", required=True)
    building = commands.add_parser("build", help="write the static site into SITE_DIR")
    building.add_argument("site", metavar="SITE_DIR")
    building.add_argument("--cache", help="folder for the npm tarballs (default ~/.cache/chaingrad/npm)")
    serving = commands.add_parser("serve", help="serve a built site over http (e.g. to a classroom)")
    serving.add_argument("site", metavar="SITE_DIR")
    serving.add_argument("--host", default="0.0.0.0", help="address to listen on (default: every interface)")
    serving.add_argument("--port", type=int, default=8000)
    arguments = parser.parse_args(argv)
    if arguments.command == "build":
        try:
            site = build(arguments.site, arguments.cache)
        except PlaygroundBuildError as error:
            print(f"playground: {error}", file=sys.stderr)
            return 1
        print(f"playground: wrote {site} ({site_size(site) / 2**20:.1f} MB); serve it with "
              f"python -m viz.playground serve {site}")
        if '"bytecode": false' in (site / "versions.json").read_text(encoding="utf-8"):
            print("playground: no Node.js here, so the modules' bytecode is not precompiled (the page starts "
                  "about 0.4 s slower); install nodejs to add it")
        return 0
    from viz.playground.serve import server

    httpd = server(arguments.site, arguments.host, arguments.port)
    print(f"playground: serving {arguments.site} on http://{arguments.host}:{arguments.port}/ (Ctrl+C stops)")
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
