"""Running the `realiz3d` command line from tests, and checking its one-line errors."""
import io
import subprocess
import sys
import traceback
from contextlib import redirect_stderr, redirect_stdout


def cli(*args, timeout=300, process=False):
    """Run `realiz3d ARGS`; returns a CompletedProcess (returncode, stdout, stderr).

    By default in this process, through the same `main()` the `realiz3d` entry point runs:
    what it prints and its exit status are what a shell sees (an exception that escapes main()
    is a traceback and exit status 1, as Python's own handler gives), without paying the seconds
    a new interpreter spends importing torch on every call. process=True runs `python -m
    realiz3d.cli` in a child process (killed after `timeout` seconds, which only applies there):
    for commands that start worker processes, and for the entry point itself."""
    argv = [str(a) for a in args]
    if process:
        return subprocess.run([sys.executable, "-m", "realiz3d.cli", *argv], capture_output=True, text=True,
                              timeout=timeout)
    from realiz3d.cli import main

    out, err, code = io.StringIO(), io.StringIO(), 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main(argv)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            if not isinstance(e.code, (int, type(None))):
                print(e.code, file=sys.stderr)
        except BaseException:  # noqa: BLE001 - what an uncaught exception does to a real process
            traceback.print_exc()
            code = 1
    return subprocess.CompletedProcess(["realiz3d", *argv], code, out.getvalue(), err.getvalue())


def one_line_error(r, *words):
    """A failed command: non-zero exit, no traceback, one `error:` line naming `words`."""
    assert r.returncode != 0
    assert "Traceback" not in r.stderr, r.stderr
    err = r.stderr.strip()
    assert err.startswith("error:") and len(err.splitlines()) == 1, err
    for w in words:
        assert w in err, err
