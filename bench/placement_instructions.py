"""User-space instructions per `POST /api/orders/`, counted by valgrind: a figure that does not move
with the machine's speed, for comparing two commits on a machine whose speed does (the wall-clock
benchmarks moved by a third within an hour on 2026-12-02).

    .venv/bin/python bench/placement_instructions.py [--small 20] [--large 120]

Runs ``bench/profile_placement.py --broker --no-profile`` once plainly (so its database exists and
is migrated), then twice under ``valgrind --tool=callgrind``, with ``--small`` and ``--large``
placements; the difference of the two totals over the difference of the counts is one placement's
instructions, start-up and set-up cancelling out. Repeatable to about 0.01% for the same code and
database state. What it does not see: the kernel (system calls, context switches) and PostgreSQL's
own work, so a change that saves round trips shows here only by its client-side share. About 8
minutes. Needs Debian's valgrind; ``DATABASE_URL`` as for profile_placement.py."""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = [str(ROOT / ".venv" / "bin" / "python"), "bench/profile_placement.py"]


def _instructions(n: int, out_dir: Path) -> int:
    """Instructions (valgrind's ``Ir``) of the whole script with ``n`` placements."""
    out = out_dir / f"callgrind.{n}"
    run = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            *SCRIPT,
            str(n),
            "--broker",
            "--no-profile",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
    )
    found = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode or not found:
        raise SystemExit(
            f"valgrind run with {n} placements failed:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}"
        )
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=20)
    parser.add_argument("--large", type=int, default=120)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    subprocess.run([*SCRIPT, "1", "--broker", "--no-profile"], cwd=ROOT, check=True, capture_output=True)
    with tempfile.TemporaryDirectory(prefix="retail_callgrind_") as tmp:
        small, large = _instructions(args.small, Path(tmp)), _instructions(args.large, Path(tmp))
    per = (large - small) / (args.large - args.small)
    print(
        f"{per / 1e6:.2f} M instructions per placement in the web process (user space; {small:,} at {args.small}, {large:,} at {args.large})"
    )


if __name__ == "__main__":
    sys.exit(main())
