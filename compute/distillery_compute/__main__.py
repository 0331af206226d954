"""Command line entry point; the TypeScript services spawn these.

    python -m distillery_compute info     # one JSON line: {"event":"info",...DeviceInfo}

Commands write only JSON protocol lines to stdout (see progress.py); usage
errors go to stderr with exit code 2.
"""

import platform
import sys
from dataclasses import asdict

from distillery_compute import __version__

USAGE = """usage: python -m distillery_compute <command>

commands:
  info    print the available compute (device, GPU features, versions) as one JSON line
"""


def cmd_info(args: list[str]) -> int:
    from distillery_compute.device import detect  # imports torch: keep it out of usage errors
    from distillery_compute.progress import emit

    if args:
        print(f"distillery_compute info: unexpected arguments: {' '.join(args)}", file=sys.stderr)
        return 2
    emit("info", version=__version__, python_version=platform.python_version(), **asdict(detect()))
    return 0


COMMANDS = {"info": cmd_info}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        sys.stderr.write("distillery_compute: missing command\n" + USAGE)
        return 2
    if argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0
    cmd = COMMANDS.get(argv[0])
    if cmd is None:
        sys.stderr.write(f"distillery_compute: unknown command {argv[0]!r} "
                         f"(known: {', '.join(COMMANDS)})\n" + USAGE)
        return 2
    return cmd(argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
