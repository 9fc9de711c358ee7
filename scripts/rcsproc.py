#!/usr/bin/env python3
"""Side-by-side timing of `netkit rcs co/ci` processes: several netkit
binaries (and GNU co/ci) run alternately, round after round, on the files
rcs's TestWriteSynthFiles writes; prints median and min wall time per file
the median CPU time (user + system) per file and the median minor page
faults per process (both from wait4's rusage; CPU time is less disturbed
by other load than wall time).

    NETKIT_SYNTH_DIR=/tmp/pm/files go test ./rcs -run TestWriteSynthFiles
    python3 scripts/rcsproc.py --dir /tmp/pm/files --runs 31 old=/tmp/nk-old new=/tmp/nk-new \
        new100=/tmp/nk-new,GOGC=100

Only binaries named on the command line run; "gnu" runs GNU co/ci.
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time

ENV = dict(os.environ, TZ="UTC", LOGNAME="tester", USER="tester", LC_ALL="C")


def run(argv, cwd, env=None):
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, cwd=cwd, env=dict(ENV, **(env or {})), stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    err = p.stderr.read()
    p.stderr.close()
    if status != 0:
        sys.exit("%s: status %d\n%s" % (" ".join(argv), status, err.decode()))
    return dt, ru.ru_minflt, ru.ru_utime + ru.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--runs", type=int, default=31)
    ap.add_argument("--ops", default="co1,coN,ci1,ciN")
    ap.add_argument("--sets", default="r1000,r10000")
    ap.add_argument("bins", nargs="+", help="NAME=PATH[,VAR=VALUE...] or gnu")
    a = ap.parse_args()
    bins = []
    for b in a.bins:
        name, _, spec = b.partition("=")
        path, *env = spec.split(",")
        bins.append((name, path, dict(e.split("=", 1) for e in env)))
    ops = a.ops.split(",")
    res = {}
    work = tempfile.mkdtemp(prefix="rcsproc")
    try:
        for s in a.sets.split(","):
            src = os.path.join(a.dir, s)
            files = sorted(f for f in os.listdir(src) if f.endswith(",v"))
            raw = open(os.path.join(src, files[0]), "rb").read()
            # The head's text, for check-ins: check it out once with GNU co.
            head = subprocess.run(["co", "-q", "-p", os.path.join(src, files[0])],
                                  env=ENV, stdout=subprocess.PIPE, check=True).stdout
            lines = head.splitlines(keepends=True)
            n = 0
            for r in range(a.runs):
                for name, path, env in bins:
                    pre = ["co"] if name == "gnu" else [path, "rcs", "co"]
                    cipre = ["ci"] if name == "gnu" else [path, "rcs", "ci"]
                    for op in ops:
                        fs = files[:1] if op.endswith("1") else files
                        if op.startswith("co"):
                            dt, flt, cpu = run(pre + ["-q", "-p", "-r1.1"] + fs, src, env)
                        else:
                            d = os.path.join(work, "w")
                            shutil.rmtree(d, ignore_errors=True)
                            os.mkdir(d)
                            for f in fs:
                                open(os.path.join(d, f), "wb").write(raw)
                                n += 1
                                ls = list(lines)
                                for k in range(5):
                                    i = (n * 397 + k * 131) % len(ls)
                                    ls[i] = b"line %04d: changed by check-in %d\n" % (i + 1, n)
                                open(os.path.join(d, f[:-2]), "wb").write(b"".join(ls))
                            subprocess.run(["rcs", "-q", "-l"] + fs, cwd=d, env=ENV, check=True)
                            date = time.strftime("-d%Y/%m/%d %H:%M:%S", time.gmtime(1800000000 + n))
                            dt, flt, cpu = run(cipre + ["-q", "-f", date, "-wtester", "-mbench"] + fs, d, env)
                        k = (s, op, name)
                        res.setdefault(k, []).append((dt / len(fs), flt, cpu / len(fs)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| set | op | binary | median ms/file | min ms/file | median CPU ms/file | median faults/process |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for (s, op, name), v in res.items():
        ts = [t for t, _, _ in v]
        fl = [f for _, f, _ in v]
        cp = [c for _, _, c in v]
        print("| %s | %s | %s | %.2f | %.2f | %.2f | %d |" % (s, op, name, statistics.median(ts) * 1e3,
              min(ts) * 1e3, statistics.median(cp) * 1e3, statistics.median(fl)))


main()
