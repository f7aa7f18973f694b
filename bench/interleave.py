#!/usr/bin/env python3
"""Times commands taking turns: round after round, each command runs once.

    bench/interleave.py [--pause SECONDS] RUNS OUT.json NAME CMD [NAME CMD...]

CMD is one shell-words string, split here and run without a shell (as
`hyperfine -N` runs it), with standard output and error going to /dev/null
and its exit status ignored (a linter exits 1 when it finds something).
One warm-up round runs first. Each later round starts with the next command
in turn, so that no command always runs first.

On a shared virtual machine the host takes the cores away for seconds at a
time: timed one after the other, as hyperfine times them, the runs of one
command can all land in a slow minute and those of the other in a quick
one, and their ratio then measures the host. Taking turns puts both in the
same minutes.

With --pause, every run comes after that many seconds with nothing
running, as a user's run comes (a pre-commit hook, a CI step). On a
virtual machine the first touch of memory freed seconds ago can cost
several times what it costs right after another run (decision 0033).

OUT.json has hyperfine's shape, as far as bench/lib.sh reads it: for each
command its name (`command`), every wall time in seconds (`times`), their
median, and the mean user and system time of the process (from `wait4`, so
exactly that process and its children).
"""

import json
import os
import shlex
import statistics
import sys
import time


def run(argv, devnull):
    """One run: wall seconds, user seconds, system seconds."""
    actions = [
        (os.POSIX_SPAWN_DUP2, devnull, 1),
        (os.POSIX_SPAWN_DUP2, devnull, 2),
    ]
    start = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions)
    _, _, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_utime, usage.ru_stime


def main():
    args = sys.argv[1:]
    pause = 0.0
    if args[:1] == ["--pause"] and len(args) > 1:
        pause = float(args[1])
        args = args[2:]
    if len(args) < 4 or len(args) % 2 == 1:
        sys.exit("usage: " + __doc__.strip().splitlines()[2].strip())
    runs = int(args[0])
    out = args[1]
    pairs = args[2:]
    names = pairs[0::2]
    commands = [shlex.split(c) for c in pairs[1::2]]
    devnull = os.open(os.devnull, os.O_WRONLY)
    times = {n: [] for n in names}
    user = {n: [] for n in names}
    system = {n: [] for n in names}
    for argv in commands:
        run(argv, devnull)
    k = len(names)
    for r in range(runs):
        for j in range(k):
            i = (r + j) % k
            time.sleep(pause)
            wall, u, s = run(commands[i], devnull)
            times[names[i]].append(wall)
            user[names[i]].append(u)
            system[names[i]].append(s)
    results = [
        {
            "command": n,
            "times": times[n],
            "median": statistics.median(times[n]),
            "mean": statistics.fmean(times[n]),
            "user": statistics.fmean(user[n]),
            "system": statistics.fmean(system[n]),
        }
        for n in names
    ]
    with open(out, "w") as f:
        json.dump({"results": results}, f)


if __name__ == "__main__":
    main()
