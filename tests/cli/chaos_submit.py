"""chaos_submit.py: a submit's outcome as the chaos drivers (chaos_local.py, chaos_azure.py) judge it.

Under AddressSanitizer, LeakSanitizer checks each process for leaks as it exits: it stops the
process's threads from a tracer thread with ptrace. On a loaded 2-core machine that tracer
sometimes fails ("LeakSanitizer has encountered a fatal error", "does not work under ptrace"),
after the submit did all of its work, and the process exits non-zero. That is the tool failing,
not trainctl: the submit's outcome is then what it printed (`submit -q` prints the run id once
the run is recorded), and a note says so. A leak LeakSanitizer did find still fails the submit.
"""
import re

LSAN_BROKE = "LeakSanitizer has encountered a fatal error"
RUN_ID = re.compile(r"[0-9a-z]{11}")


def outcome(marker, rc, out, err, killed, notes):
    """The submit's exit status as the checks should see it (rc, or 0/1 when LSan broke)."""
    if killed or rc == 0 or LSAN_BROKE not in err or "detected memory leaks" in err:
        return rc
    printed = RUN_ID.fullmatch(out.strip()) is not None
    notes.append(f"submit {marker}: LeakSanitizer could not check it at exit (its tracer failed); "
                 f"judged by what it printed: {'a run id' if printed else 'no run id'}")
    return 0 if printed else 1
