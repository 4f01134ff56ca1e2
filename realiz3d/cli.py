"""The `realiz3d` command line.

Errors a user can fix (bad input, missing files, bad configs) end with one line on stderr
and exit code 2; set REALIZ3D_DEBUG=1 to see the traceback instead.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="realiz3d: fine-tune diffusion transformers for photorealistic 3D control (Realiz3D).",
)


@app.callback()
def _root():
    """realiz3d: fine-tune diffusion transformers for photorealistic 3D control (Realiz3D)."""


@app.command()
def bench(
    name: str = typer.Argument(..., help="benchmark name, or 'all'"),
    preset: str = typer.Option("default", help="built-in model preset"),
):
    """Run a named benchmark; prints one JSON object per benchmark."""
    from . import bench as b

    b.run(name, **({"preset": preset} if name in ("shifter-overhead", "attention-modes") else {}))


def main(argv: Optional[List[str]] = None) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    _quiet_libraries()
    try:
        app(args=argv, standalone_mode=False)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as e:  # noqa: BLE001 - one line, no traceback, at the CLI
        if os.environ.get("REALIZ3D_DEBUG"):
            raise
        import click

        if isinstance(e, click.exceptions.Exit):
            sys.exit(e.exit_code)
        if isinstance(e, click.ClickException):
            e.show()
            sys.exit(e.exit_code)
        if isinstance(e, click.exceptions.Abort):
            print("aborted", file=sys.stderr)
            sys.exit(1)
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        print(f"error: {msg}", file=sys.stderr)
        sys.exit(2)


def _quiet_libraries():
    import logging
    import warnings

    warnings.filterwarnings("ignore", category=FutureWarning)
    for name in ("diffusers", "transformers", "accelerate"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        from transformers.utils import logging as tlog

        tlog.disable_progress_bar()
        tlog.set_verbosity_error()
    except Exception:
        pass


if __name__ == "__main__":
    main()
