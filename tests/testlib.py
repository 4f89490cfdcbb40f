"""Helpers shared by the end-to-end test scripts: run the binary, check, report.
Each script calls setup(argv) first and finish() last; finish prints 'NAME: N passed, M failed'."""
import os
import shutil
import subprocess
import sys
import tempfile

S = {"gpuviz": None, "src": None, "tmp": None, "passed": 0, "failed": 0}


def setup(argv):
    S["gpuviz"], S["src"] = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    S["tmp"] = tempfile.mkdtemp(prefix="gpuviz-test-")
    sys.path.insert(0, os.path.join(S["src"], "tests"))
    return S["gpuviz"], S["src"], S["tmp"]


def run(*args, cwd=None, env=None):
    p = subprocess.run([S["gpuviz"], *args], capture_output=True, cwd=cwd or S["tmp"],
                       env=dict(os.environ, **env) if env else None)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def near(a, b, tol, what):
    check(a is not None and b is not None and abs(float(a) - float(b)) <= tol,
          "%s: %r != %r (tol %g)" % (what, a, b, tol))


def test(fn):
    try:
        fn()
        S["passed"] += 1
        print("ok   %s" % fn.__name__)
    except Exception as e:  # noqa: BLE001 - report every failure and go on
        S["failed"] += 1
        print("FAIL %s: %s" % (fn.__name__, e))
    return fn


def expect_error(args, status, text, cwd=None):
    rc, so, se = run(*args, cwd=cwd)
    check(rc == status, "%s: exit %d, want %d (%s)" % (args, rc, status, se))
    errors = [l for l in se.splitlines() if l.startswith("gpuviz: error: ")]
    check(len(errors) == 1 and text in errors[0], "%s: stderr %r lacks %r" % (args, se, text))
    check(se.splitlines()[-1] == errors[0], "the error comes last: %r" % se)


def finish(name):
    shutil.rmtree(S["tmp"], ignore_errors=True)
    print("%s: %d passed, %d failed" % (name, S["passed"], S["failed"]))
    sys.exit(1 if S["failed"] else 0)
