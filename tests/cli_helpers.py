"""Running the `realiz3d` command line from tests, and checking its one-line errors."""
import subprocess
import sys


def cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "realiz3d.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def one_line_error(r, *words):
    """A failed command: non-zero exit, no traceback, one `error:` line naming `words`."""
    assert r.returncode != 0
    assert "Traceback" not in r.stderr, r.stderr
    err = r.stderr.strip()
    assert err.startswith("error:") and len(err.splitlines()) == 1, err
    for w in words:
        assert w in err, err
