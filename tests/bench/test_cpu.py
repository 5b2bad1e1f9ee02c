"""bench/cpu.py counts the CPU of a process that ended between two samples (a gunicorn worker
recycled after its maximum requests, the backend of its connection) through its parent's total for
reaped children: a real child burning CPU, ended and reaped between the samples."""

import subprocess
import sys
import time

from bench import cpu

BURN = 0.4  # CPU seconds the child spends
PARENT = f"""
import os, sys, time
sys.stdin.readline()
pid = os.fork()
if pid == 0:
    end = time.process_time() + {BURN}
    while time.process_time() < end:
        pass
    os._exit(0)
os.waitpid(pid, 0)  # reaped: its CPU joins this process's cutime/cstime
print("done", flush=True)
sys.stdin.readline()
"""


def _parent() -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", PARENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def _child(parent: subprocess.Popen) -> int:
    """Wait for the parent's child to exist; its pid."""
    for _ in range(200):
        children = cpu.server.worker_pids(parent.pid)
        if children:
            return children[0]
        time.sleep(0.01)
    raise AssertionError("the child did not start")


def test_a_child_that_ended_between_two_samples_still_counts():
    parent = _parent()
    try:
        before = cpu.processes_sample(parent.pid, [])
        live_only = {parent.pid: cpu._process_seconds(parent.pid)}
        parent.stdin.write("go\n")
        parent.stdin.flush()
        assert parent.stdout.readline().strip() == "done"
        after = cpu.processes_sample(parent.pid, [])
        live_after = {parent.pid: cpu._process_seconds(parent.pid)}
    finally:
        parent.communicate("end\n", timeout=30)
    assert cpu.seconds_used(before, after) >= BURN * 0.9
    assert cpu.seconds_used(live_only, live_after) < BURN / 2  # what the live processes alone showed


def test_a_child_alive_at_the_first_sample_counts_only_what_it_used_after_it():
    """A worker sampled alive, then recycled: the CPU it had used before the first sample is not
    counted again when its total reaches the parent."""
    parent = _parent()
    try:
        parent.stdin.write("go\n")
        parent.stdin.flush()
        child = _child(parent)
        deadline = time.monotonic() + 30
        while cpu._process_seconds(child) < BURN / 2 and time.monotonic() < deadline:
            time.sleep(0.01)  # until the child has used half its CPU (however busy the machine)
        before = cpu.processes_sample(parent.pid, [child])
        assert before[child] >= BURN / 2
        assert parent.stdout.readline().strip() == "done"
        after = cpu.processes_sample(parent.pid, cpu.server.worker_pids(parent.pid))
    finally:
        parent.communicate("end\n", timeout=30)
    used = cpu.seconds_used(before, after)
    # /proc counts in clock ticks (10 ms), four readings: a margin under the child's first share
    assert BURN - before[child] - 0.08 <= used <= BURN - before[child] + 0.08
